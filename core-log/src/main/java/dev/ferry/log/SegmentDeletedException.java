package dev.ferry.log;

/**
 * A {@link LogReadSlice} was sent after retention or truncation removed its segment. The reader should fetch
 * again from the offset it was reading; the log start offset tells where data begins now. Immutable.
 */
public final class SegmentDeletedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message the segment file and the offset that was being read
     * @param cause the channel error that revealed it
     */
    public SegmentDeletedException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
