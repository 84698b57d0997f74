package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;

/**
 * A controller request failed as a whole: the code says why and whether a retry may help (NOT_CONTROLLER,
 * CONTROLLER_NOT_AVAILABLE, REQUEST_TIMED_OUT are transient). Immutable.
 */
public final class ControllerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The wire code; an enum is serializable. */
    private final ErrorCode error;

    /**
     * @param error the code
     * @param message what went wrong, naming the resource
     */
    public ControllerException(final ErrorCode error, final String message) {
        super(message);
        this.error = error;
    }

    /**
     * @param error the code
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public ControllerException(final ErrorCode error, final String message, final Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    /** @return the error code */
    public ErrorCode error() {
        return error;
    }

    /**
     * @param t a failure, possibly wrapped in a CompletionException
     * @return it as a ControllerException (other failures become CONTROLLER_NOT_AVAILABLE)
     */
    public static ControllerException of(final Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
            || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof ControllerException ce) {
            return ce;
        }
        return new ControllerException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "controller unreachable: " + c, c);
    }
}
