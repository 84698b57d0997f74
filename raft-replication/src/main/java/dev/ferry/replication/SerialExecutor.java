package dev.ferry.replication;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs one partition's storage tasks one at a time, in submission order, on a shared pool.
 *
 * <p>Why not on Ratis's own threads: {@code FileChannel} is interruptible, and an interrupt during a read or
 * write closes the channel for every user of the segment. Ratis interrupts its log appender and worker threads
 * on leadership changes and shutdown, so every partition-log I/O runs on Ferry's pool, which is never
 * interrupted. Ordering matters (write, truncate and flush must happen in Raft order), hence one chain per
 * partition rather than one thread per partition, which would not scale to a thousand partitions.
 *
 * <p>Thread-safe.
 */
final class SerialExecutor {
    private final Executor pool;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

    /** @param pool the shared pool (its threads must never be interrupted) */
    SerialExecutor(final Executor pool) {
        this.pool = pool;
    }

    /**
     * @param task runs after every task submitted before it, whatever their outcome
     * @param <T> the result type
     * @return the task's result
     */
    synchronized <T> CompletableFuture<T> submit(final Supplier<T> task) {
        final CompletableFuture<T> next = tail.handleAsync((ignored, error) -> task.get(), pool);
        tail = next;
        return next;
    }
}
