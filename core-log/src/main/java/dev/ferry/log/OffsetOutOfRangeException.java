package dev.ferry.log;

/**
 * A read or an offset lookup asked for an offset outside [logStartOffset, logEndOffset].
 *
 * <p>An expected outcome for a consumer that fell behind retention or asks past the end; the message names the
 * requested offset and the valid range. Immutable.
 */
public final class OffsetOutOfRangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long requestedOffset;
    private final long logStartOffset;
    private final long logEndOffset;

    /**
     * @param partition the partition's name, for the message
     * @param requestedOffset the offset asked for
     * @param logStartOffset the first readable offset
     * @param logEndOffset the offset the next append will get
     */
    public OffsetOutOfRangeException(final String partition, final long requestedOffset, final long logStartOffset,
                                     final long logEndOffset) {
        super("offset out of range: partition=" + partition + " requestedOffset=" + requestedOffset
            + " logStartOffset=" + logStartOffset + " logEndOffset=" + logEndOffset);
        this.requestedOffset = requestedOffset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    /** @return the offset asked for */
    public long requestedOffset() {
        return requestedOffset;
    }

    /** @return the first readable offset when the request was refused */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** @return the log end offset when the request was refused */
    public long logEndOffset() {
        return logEndOffset;
    }
}
