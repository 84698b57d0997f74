package dev.ferry.client.network;

/**
 * The connection closed (by either side, or after a network or protocol error) while a request was pending or
 * being sent. Retriable on a new connection: the node may have restarted or moved a leadership. Immutable.
 */
public final class ConnectionClosedException extends NetworkException {
    private static final long serialVersionUID = 1L;

    private final String peer;

    /**
     * @param peer the node's address, host:port
     * @param reason why it closed
     * @param cause the underlying failure, or null
     */
    public ConnectionClosedException(final String peer, final String reason, final Throwable cause) {
        super("connection to " + peer + " closed: " + reason, cause, true);
        this.peer = peer;
    }

    /** @return the node's address, host:port */
    public String peer() {
        return peer;
    }
}
