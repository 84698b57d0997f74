package dev.ferry.replication;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * The end offset of the last committed and applied Raft entry of a partition replica. Readers on every
 * replica, leader and followers, read only below it, so a consumer never sees data that can still be
 * truncated.
 *
 * <p>Single writer (the state machine's apply thread), concurrent readers: the value is published with a
 * volatile write after the data is in the log.
 */
public final class HighWatermark {
    private final CopyOnWriteArrayList<LongConsumer> listeners = new CopyOnWriteArrayList<>();
    private volatile long offset;

    /** @param initial the starting value, e.g. restored from a checkpoint */
    public HighWatermark(final long initial) {
        this.offset = initial;
    }

    /** @return the current high watermark; lock-free */
    public long offset() {
        return offset;
    }

    /**
     * Moves the high watermark forward; never backward. Applier thread only.
     *
     * @param newOffset the end offset of the newly applied entry
     */
    void advanceTo(final long newOffset) {
        if (newOffset > offset) {
            offset = newOffset;
            for (final LongConsumer l : listeners) {
                l.accept(newOffset);
            }
        }
    }

    /**
     * Registers a callback run on the applier thread each time the high watermark advances, e.g. to complete
     * parked fetches. It must not block.
     *
     * @param listener receives the new high watermark
     */
    public void onAdvance(final LongConsumer listener) {
        listeners.add(listener);
    }
}
