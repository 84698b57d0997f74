package dev.ferry.replication;

/**
 * A replica refused an operation because an earlier storage failure took it out of service: it acknowledges
 * nothing and serves nothing until it is rebuilt from its peers. Immutable.
 */
public final class ReplicaUnhealthyException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message the partition, the node and the failure that took the replica out
     * @param cause the original failure
     */
    public ReplicaUnhealthyException(final String message, final Throwable cause) {
        super(message, cause);
    }
}
