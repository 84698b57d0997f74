package dev.ferry.replication;

/**
 * A partition replica as one node sees it.
 *
 * @param partition the partition
 * @param nodeId the node
 * @param leader whether this replica leads
 * @param leaderId the leader this node knows, or null
 * @param term the current Raft term
 * @param commitIndex the Raft commit index
 * @param highWatermark the end offset of committed data applied here
 * @param logEndOffset the end of this replica's log (may hold uncommitted data)
 */
public record ReplicaStatus(PartitionId partition, String nodeId, boolean leader, String leaderId, long term,
                            long commitIndex, long highWatermark, long logEndOffset) {
}
