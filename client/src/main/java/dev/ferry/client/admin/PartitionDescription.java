package dev.ferry.client.admin;

import java.util.List;

/**
 * One partition of a described topic.
 *
 * @param partition the partition number
 * @param leader the leader's node id, -1 when none is known
 * @param replicas the assigned replicas, preferred leader first
 * @param inSyncReplicas the replicas the leader sees caught up
 * @param addingReplicas replicas being added by a reassignment in progress
 * @param removingReplicas replicas being removed by a reassignment in progress
 */
public record PartitionDescription(int partition, int leader, List<Integer> replicas, List<Integer> inSyncReplicas,
                                   List<Integer> addingReplicas, List<Integer> removingReplicas) {
    /** Copies the lists. */
    public PartitionDescription {
        replicas = List.copyOf(replicas);
        inSyncReplicas = List.copyOf(inSyncReplicas);
        addingReplicas = List.copyOf(addingReplicas);
        removingReplicas = List.copyOf(removingReplicas);
    }
}
