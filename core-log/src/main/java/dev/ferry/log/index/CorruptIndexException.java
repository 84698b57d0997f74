package dev.ferry.log.index;

/**
 * Thrown by {@link AbstractIndex#sanityCheck(long)} when an index file is inconsistent with itself or with its
 * log file. The caller deletes the index and rebuilds it from the log. The message names the file and the bad
 * values as {@code name=value}.
 *
 * <p>Thread-safe (immutable).
 */
public final class CorruptIndexException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and the values as {@code name=value}
     */
    public CorruptIndexException(final String message) {
        super(message);
    }
}
