package dev.ferry.replication;

/**
 * The Raft settings an operator may change, with defaults sized for hundreds of partitions per node.
 *
 * @param electionTimeoutMinMs a follower that hears nothing for a random time in [min, max] starts an election;
 *                             heartbeats go out at about half the minimum, per partition and follower
 * @param electionTimeoutMaxMs upper end of the election timeout
 * @param maxEntryBytes the largest Raft entry (coalesced batches of one partition); at least max.batch.bytes
 */
public record RaftTuning(int electionTimeoutMinMs, int electionTimeoutMaxMs, int maxEntryBytes) {
    /**
     * 1-2 s election timeouts: failover within a few seconds while a node's idle heartbeat traffic stays
     * about 7x lower than Ratis's 150-300 ms defaults (heartbeats are per group, not per node).
     */
    public static final RaftTuning DEFAULTS = new RaftTuning(1000, 2000, 4 << 20);

    /**
     * @throws IllegalArgumentException naming the field when a value is out of range
     */
    public RaftTuning {
        if (electionTimeoutMinMs < 50 || electionTimeoutMaxMs <= electionTimeoutMinMs) {
            throw new IllegalArgumentException("raft election timeouts must satisfy 50 <= min < max: min="
                + electionTimeoutMinMs + " max=" + electionTimeoutMaxMs);
        }
        if (maxEntryBytes < 64 << 10) {
            throw new IllegalArgumentException("raft maxEntryBytes=" + maxEntryBytes + " must be >= 65536");
        }
    }
}
