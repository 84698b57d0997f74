package dev.ferry.chaos.workload;

import dev.ferry.client.TopicPartition;

import java.util.List;

/**
 * Every replica of one partition as the {@link FinalReader} found it after healing.
 *
 * <p>Immutable.
 *
 * @param partition the partition
 * @param leader the leader asked for the high watermark, -1 when none answered
 * @param highWatermark the target: the leader's high watermark (or, when no leader answered, the highest any
 *     replica reported)
 * @param replicas one copy per assigned replica, in the metadata's order
 */
public record PartitionCopies(TopicPartition partition, int leader, long highWatermark, List<ReplicaCopy> replicas) {
    /** Copies the list. */
    public PartitionCopies {
        replicas = List.copyOf(replicas);
    }

    /** @return whether every replica is complete with the same digest */
    public boolean identical() {
        return replicas.stream().allMatch(ReplicaCopy::complete)
            && replicas.stream().map(ReplicaCopy::digest).distinct().count() <= 1;
    }
}
