package dev.ferry.client.producer;

import dev.ferry.client.errors.FerryException;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The producer's {@code buffer.memory}: batch buffers are taken from it and given back once their batch is
 * acknowledged or failed, so that a producer faster than its cluster blocks (back-pressure) instead of growing
 * without bound. Buffers of the batch size are kept for reuse; bigger ones (a record larger than a batch) are
 * allocated and dropped.
 *
 * <p>Thread-safe.
 */
final class BufferPool {
    private final long totalMemory;
    private final int poolableSize;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    /** Memory not held by a buffer, in the pool or out. */
    private long unallocated;
    private boolean closed;

    BufferPool(final long totalMemory, final int poolableSize) {
        this.totalMemory = totalMemory;
        this.poolableSize = poolableSize;
        this.unallocated = totalMemory;
    }

    /**
     * @param size bytes wanted
     * @param maxBlockMs how long to wait for memory to be given back
     * @return a buffer with position 0 and limit {@code size}
     * @throws FerryException naming buffer.memory when it stays used up for maxBlockMs, or when the producer closes
     * @throws InterruptedException when interrupted while waiting
     */
    ByteBuffer allocate(final int size, final long maxBlockMs) throws InterruptedException {
        if (size > totalMemory) {
            throw new FerryException(null, "a batch of " + size + " bytes is larger than buffer.memory="
                + totalMemory + "; raise buffer.memory or send smaller records", false, null);
        }
        long remainingNs = TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    throw new FerryException(null, "producer closed while waiting for buffer.memory", false, null);
                }
                if (size == poolableSize && !free.isEmpty()) {
                    return free.pollFirst().clear();
                }
                while (unallocated < size && !free.isEmpty()) {
                    free.pollLast();
                    unallocated += poolableSize;
                }
                if (unallocated >= size) {
                    unallocated -= size;
                    break;
                }
                if (remainingNs <= 0) {
                    throw new FerryException(null, "could not get " + size + " bytes of buffer.memory=" + totalMemory
                        + " within max.block.ms=" + maxBlockMs + ": batches not yet acknowledged hold it all (the "
                        + "cluster is slow or unreachable)", true, null);
                }
                remainingNs = freed.awaitNanos(remainingNs);
            }
        } finally {
            lock.unlock();
        }
        return ByteBuffer.allocate(size);
    }

    /** @param buffer a buffer from {@link #allocate}, no longer used */
    void deallocate(final ByteBuffer buffer) {
        lock.lock();
        try {
            if (buffer.capacity() == poolableSize) {
                free.addLast(buffer);
            } else {
                unallocated += buffer.capacity();
            }
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return bytes that can be allocated without waiting */
    long availableMemory() {
        lock.lock();
        try {
            return unallocated + (long) free.size() * poolableSize;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes every waiter with an error: the producer is closing. */
    void close() {
        lock.lock();
        try {
            closed = true;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
