package dev.ferry.log;

/**
 * A partition directory cannot be opened as it is: it holds files Ferry does not own, or segment files are
 * missing from the middle of the log. Ferry refuses to open it rather than delete data it does not understand;
 * the message names the directory and the files. Immutable.
 */
public final class LogDirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the directory, the offending files and what the operator can do */
    public LogDirectoryException(final String message) {
        super(message);
    }
}
