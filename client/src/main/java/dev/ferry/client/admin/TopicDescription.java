package dev.ferry.client.admin;

import java.util.List;

/**
 * A topic as the cluster's metadata describes it.
 *
 * @param name the topic
 * @param internal true for the cluster's own topics (e.g. __consumer_offsets)
 * @param partitions its partitions in partition order
 */
public record TopicDescription(String name, boolean internal, List<PartitionDescription> partitions) {
    /** Copies the list. */
    public TopicDescription {
        partitions = List.copyOf(partitions);
    }
}
