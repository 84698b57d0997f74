package dev.ferry.cli;

/**
 * The command line asked for something impossible in a way picocli's parser cannot see (a bad -X key, --offset
 * without -p, a malformed TOPIC/PARTITION): reported as one line with exit code 2, like a parse error.
 */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong with the command line */
    public UsageException(final String message) {
        super(message);
    }
}
