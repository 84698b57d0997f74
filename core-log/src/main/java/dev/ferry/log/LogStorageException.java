package dev.ferry.log;

/**
 * An I/O failure of the partition's files (disk full, read error, a file removed under the log).
 *
 * <p>{@link #logOffline()} says whether the log could restore a consistent state after the failure. When it
 * could (for example a disk-full append whose partial bytes were cut), the log is unchanged and later appends may
 * succeed once the cause is gone. When it could not, the log refuses every further operation (fail-stop, as
 * Kafka takes a failed log directory offline) until it is reopened and recovered. Immutable.
 */
public final class LogStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean logOffline;

    /**
     * @param message what failed, with the file and position as name=value pairs
     * @param cause the I/O error
     * @param logOffline whether the log has taken itself offline
     */
    public LogStorageException(final String message, final Throwable cause, final boolean logOffline) {
        super(message, cause);
        this.logOffline = logOffline;
    }

    /** @return true when the log refuses further operations until it is reopened */
    public boolean logOffline() {
        return logOffline;
    }
}
