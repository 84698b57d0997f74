package dev.ferry.replication;

/**
 * The end offset of the last committed and applied Raft entry of a partition replica. Readers on every
 * replica, leader and followers, read only below it, so a consumer never sees data that can still be
 * truncated.
 *
 * <p>Single writer (the state machine's apply thread), concurrent readers: the value is published with a
 * volatile write after the data is in the log.
 */
public final class HighWatermark {
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
        }
    }
}
