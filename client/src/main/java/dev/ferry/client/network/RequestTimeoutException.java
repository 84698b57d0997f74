package dev.ferry.client.network;

/**
 * No response came within the request's timeout. The request may still have been applied (a Produce may be
 * written): retrying is allowed, and idempotent producers make it safe. Immutable.
 */
public final class RequestTimeoutException extends NetworkException {
    private static final long serialVersionUID = 1L;

    /** @param message the API, correlation id, peer and timeout */
    public RequestTimeoutException(final String message) {
        super(message, null, true);
    }
}
