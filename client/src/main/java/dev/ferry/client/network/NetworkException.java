package dev.ferry.client.network;

/**
 * A request could not be sent or answered because of the network (connect failure, closed connection, timeout,
 * a peer that breaks the protocol). {@link #isRetriable()} says whether sending again, possibly on a new
 * connection, may succeed; error codes in responses are not exceptions of this kind.
 *
 * <p>Immutable.
 */
public class NetworkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Whether a retry may help. */
    private final boolean retriable;

    /**
     * @param message what failed, naming the peer
     * @param cause the underlying failure, or null
     * @param retriable true when sending again may succeed
     */
    public NetworkException(final String message, final Throwable cause, final boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** @return true when sending the request again (on this or a new connection) may succeed */
    public boolean isRetriable() {
        return retriable;
    }
}
