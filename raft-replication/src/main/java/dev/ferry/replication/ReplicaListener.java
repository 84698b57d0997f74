package dev.ferry.replication;

/**
 * Told of changes to the replicas a {@link RaftServerHost} holds: the broker parks long-poll fetches until a
 * high watermark moves, loads a consumer-offsets partition when it becomes its leader, reports leaderships to
 * the controller.
 *
 * <p>Called on the replica's state-machine threads, never while a lock of the replica is held; implementations
 * must return quickly and hand any blocking work to their own executor.
 */
public interface ReplicaListener {

    /**
     * @param partition the partition
     * @param highWatermark its new high watermark on this replica (readers may now read below it)
     */
    default void onHighWatermark(final PartitionId partition, final long highWatermark) {
    }

    /**
     * Leadership of a partition changed as this replica sees it; also called when this replica's leadership
     * becomes ready (its first entry of the term applied, so its high watermark is current).
     *
     * @param partition the partition
     * @param leaderNodeId the leader's node id, or null when no leader is known
     * @param leaderReady true when this node leads the partition and is ready to serve it
     */
    default void onLeadershipChange(final PartitionId partition, final String leaderNodeId,
                                    final boolean leaderReady) {
    }

    /** Listens to nothing. */
    ReplicaListener NONE = new ReplicaListener() {
    };
}
