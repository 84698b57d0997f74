package dev.ferry.log.record;

/**
 * Thrown when a batch's bytes are not a well-formed batch: truncated, a bad magic, a CRC mismatch,
 * inconsistent header fields or malformed records. Recovery truncates the log at such a batch.
 *
 * <p>Thread-safe (immutable).
 */
public final class CorruptBatchException extends InvalidBatchException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     *
     * @param message what is wrong, with {@code name=value} pairs.
     */
    public CorruptBatchException(final String message) {
        super(message);
    }

    /**
     * Creates an exception with the given message and the library exception that detected the problem.
     *
     * @param message what is wrong, with {@code name=value} pairs.
     * @param cause the underlying exception, or null.
     */
    public CorruptBatchException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
