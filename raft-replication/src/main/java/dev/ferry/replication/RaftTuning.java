package dev.ferry.replication;

/**
 * The Raft settings an operator may change, with defaults sized for hundreds of partitions per node.
 *
 * @param electionTimeoutMinMs a follower that hears nothing for a random time in [min, max] starts an election;
 *                             heartbeats go out at about half the minimum, per partition and follower
 * @param electionTimeoutMaxMs upper end of the election timeout
 * @param maxEntryBytes the largest Raft entry (coalesced batches of one partition); at least max.batch.bytes
 * @param snapshotEntries take a checkpoint and purge the Raft log every this many entries; a follower further
 *                        behind catches up by copying segments. Retention waits for the checkpoint.
 * @param raftLogSegmentBytes size of Ratis's own log segments; Ratis purges only whole closed segments
 */
public record RaftTuning(int electionTimeoutMinMs, int electionTimeoutMaxMs, int maxEntryBytes, long snapshotEntries,
                         int raftLogSegmentBytes) {
    /**
     * 1-2 s election timeouts: failover within a few seconds while a node's idle heartbeat traffic stays
     * about 7x lower than Ratis's 150-300 ms defaults (heartbeats are per group, not per node). Entries of at
     * most 1 MiB (= max.batch.bytes): every group holds a direct write buffer of that size + 64 KiB, so 1,000
     * groups need about 1.06 GiB of direct memory (measured with the raft-groups tool), where 4 MiB would need
     * over 4 GiB.
     */
    /**
     * A Ratis follower sleeps a random election timeout, then checks the time since the leader's last RPC: it
     * notices a dead leader after one to two timeouts. 750-1500 ms bounds that at 3 s (Redpanda's election
     * timeout is 1.5 s); with 1000-2000 the chaos suite measured leader-kill unavailability up to 8.5 s.
     */
    public static final RaftTuning DEFAULTS = new RaftTuning(750, 1500, 1 << 20, 10_000, 1 << 20);

    /**
     * @throws IllegalArgumentException naming the field when a value is out of range
     */
    public RaftTuning {
        if (electionTimeoutMinMs < 50 || electionTimeoutMaxMs <= electionTimeoutMinMs) {
            throw new IllegalArgumentException("raft election timeouts must satisfy 50 <= min < max: min="
                + electionTimeoutMinMs + " max=" + electionTimeoutMaxMs);
        }
        if (raftLogSegmentBytes < 1024) {
            throw new IllegalArgumentException("raftLogSegmentBytes=" + raftLogSegmentBytes + " must be >= 1024");
        }
        if (snapshotEntries < 1) {
            throw new IllegalArgumentException("raft snapshotEntries=" + snapshotEntries + " must be >= 1");
        }
        if (maxEntryBytes < 64 << 10) {
            throw new IllegalArgumentException("raft maxEntryBytes=" + maxEntryBytes + " must be >= 65536");
        }
    }
}
