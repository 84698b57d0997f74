package dev.ferry.log.record;

/**
 * Thrown when a batch's size exceeds the configured {@code max.batch.bytes}. The bytes may be well
 * formed; the broker refuses them by policy.
 *
 * <p>Thread-safe (immutable).
 */
public final class BatchTooLargeException extends InvalidBatchException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     *
     * @param message the size and the limit, e.g. {@code batch size 2097237 exceeds max.batch.bytes=1048576}.
     */
    public BatchTooLargeException(final String message) {
        super(message);
    }
}
