package dev.ferry.log;

/**
 * A configuration value is missing, malformed or out of range. The message names the key, the value and the
 * accepted range, so that a start-up failure tells the operator exactly what to fix. Immutable.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message key=value and what is accepted */
    public ConfigException(final String message) {
        super(message);
    }
}
