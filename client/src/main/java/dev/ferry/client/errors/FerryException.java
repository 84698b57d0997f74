package dev.ferry.client.errors;

import dev.ferry.client.protocol.Errors;
import dev.ferry.client.protocol.proto.ErrorCode;

/**
 * Every error the client library raises: the node's error code when there is one, a message naming what failed,
 * and whether trying again (after a metadata refresh or a backoff) can succeed.
 *
 * <p>Immutable.
 */
public class FerryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final boolean retriable;

    /**
     * @param code the node's error code, or null for a client-side error
     * @param message what failed
     * @param retriable whether a retry can succeed
     * @param cause the cause, or null
     */
    public FerryException(final ErrorCode code, final String message, final boolean retriable,
                          final Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retriable = retriable;
    }

    /**
     * @param code a node's error code (not NONE)
     * @param message the node's message, with the client's context
     * @return the exception for the code: retriable when {@link Errors#isRetriable} says so
     */
    public static FerryException of(final ErrorCode code, final String message) {
        return new FerryException(code, code + ": " + message, Errors.isRetriable(code), null);
    }

    /** @return the node's error code, or null for a client-side error */
    public ErrorCode code() {
        return code;
    }

    /** @return true when the same call can succeed later */
    public boolean isRetriable() {
        return retriable;
    }
}
