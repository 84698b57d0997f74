package dev.ferry.client.admin;

import dev.ferry.client.TopicPartition;

/**
 * How far a consumer group is behind on one partition.
 *
 * @param partition the partition
 * @param committedOffset the group's committed offset (the next offset it will read)
 * @param endOffset the partition's high watermark (the next offset to be written and committed)
 * @param lag records between the two, never negative
 */
public record PartitionLag(TopicPartition partition, long committedOffset, long endOffset, long lag) {
}
