package dev.ferry.client.producer;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Heap scratch buffers for compressed batches: a batch's records are written uncompressed into a scratch from
 * its creation until it is built, then the scratch comes back here for the next batch. Scratches of the batch
 * size are kept, so a producer in steady state allocates none; bigger ones (a record larger than a batch) are
 * allocated and dropped. At most as many are kept as were ever open at once (one per partition with an open
 * batch).
 *
 * <p>Thread-safe.
 */
final class ScratchPool {
    private final int poolableSize;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private long allocated;

    ScratchPool(final int poolableSize) {
        this.poolableSize = poolableSize;
    }

    /**
     * @param size bytes wanted
     * @return a heap buffer with position 0 and limit {@code size}
     */
    synchronized ByteBuffer acquire(final int size) {
        if (size <= poolableSize && !free.isEmpty()) {
            return free.pollFirst().clear().limit(size);
        }
        allocated++;
        return ByteBuffer.allocate(Math.max(size, poolableSize)).limit(size);
    }

    /** @param scratch a buffer from {@link #acquire}, no longer used */
    synchronized void release(final ByteBuffer scratch) {
        if (scratch.capacity() == poolableSize) {
            free.addLast(scratch);
        }
    }

    /** @return how many scratch buffers were ever allocated */
    synchronized long allocatedCount() {
        return allocated;
    }
}
