package dev.ferry.log.record;

/**
 * Base of the exceptions that reject a record batch built from untrusted bytes. Catch this type where a
 * produce request, a replicated entry or a recovered segment is validated; the subclasses say whether
 * the bytes are damaged ({@link CorruptBatchException}) or merely over a configured bound
 * ({@link BatchTooLargeException}). Messages carry the numbers as {@code name=value} pairs.
 *
 * <p>Thread-safe (immutable).
 */
public abstract class InvalidBatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with the given message.
     *
     * @param message what is wrong, with {@code name=value} pairs.
     */
    protected InvalidBatchException(final String message) {
        super(message);
    }

    /**
     * Creates an exception with the given message and the library exception that detected the problem.
     *
     * @param message what is wrong, with {@code name=value} pairs.
     * @param cause the underlying exception, or null.
     */
    protected InvalidBatchException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
