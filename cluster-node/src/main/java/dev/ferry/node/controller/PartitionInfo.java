package dev.ferry.node.controller;

import java.util.List;

/**
 * One partition's assignment. Immutable.
 *
 * @param partition the partition number
 * @param replicas the current replicas, preferred leader first
 * @param targetReplicas during a reassignment the replicas to move to, otherwise empty
 */
public record PartitionInfo(int partition, List<Integer> replicas, List<Integer> targetReplicas) {

    /** Copies the lists. */
    public PartitionInfo {
        replicas = List.copyOf(replicas);
        targetReplicas = List.copyOf(targetReplicas);
    }

    /** @return true while a reassignment is in progress */
    public boolean reassigning() {
        return !targetReplicas.isEmpty();
    }

    /**
     * @param nodeId a node
     * @return true when the node holds or will hold a replica
     */
    public boolean involves(final int nodeId) {
        return replicas.contains(nodeId) || targetReplicas.contains(nodeId);
    }
}
