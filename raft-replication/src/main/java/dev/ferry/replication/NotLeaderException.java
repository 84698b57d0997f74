package dev.ferry.replication;

/**
 * This replica is not the partition's leader (or not yet ready to lead). Retriable: send to {@link #leaderId()}.
 * Immutable.
 */
public final class NotLeaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String leaderId;

    /**
     * @param partition the partition
     * @param localId this node's id
     * @param leaderId the leader this node knows of, or null
     */
    public NotLeaderException(final PartitionId partition, final String localId, final String leaderId) {
        super("not the leader: partition=" + partition + " node=" + localId + " leader="
            + (leaderId == null ? "unknown" : leaderId));
        this.leaderId = leaderId;
    }

    /** @return the known leader's node id, or null when unknown */
    public String leaderId() {
        return leaderId;
    }
}
