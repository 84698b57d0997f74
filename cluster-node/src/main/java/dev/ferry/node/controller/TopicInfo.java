package dev.ferry.node.controller;

import java.util.List;
import java.util.Map;

/**
 * A topic: its config overrides and partitions (index = partition number). Immutable.
 *
 * @param name the topic
 * @param configs overrides of the log defaults
 * @param partitions every partition, in order
 */
public record TopicInfo(String name, Map<String, String> configs, List<PartitionInfo> partitions) {

    /** Copies the collections. */
    public TopicInfo {
        configs = Map.copyOf(configs);
        partitions = List.copyOf(partitions);
    }

    /**
     * @param partition a partition number
     * @return the partition, or null when out of range
     */
    public PartitionInfo partition(final int partition) {
        return partition >= 0 && partition < partitions.size() ? partitions.get(partition) : null;
    }
}
