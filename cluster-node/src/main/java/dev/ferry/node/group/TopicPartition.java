package dev.ferry.node.group;

import java.util.Comparator;

/**
 * One partition of a topic as groups see it: the unit of assignment and of committed offsets. Ordered by topic,
 * then partition, so that assignors and responses are deterministic.
 *
 * @param topic the topic
 * @param partition the partition number
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {
    private static final Comparator<TopicPartition> ORDER =
        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    @Override
    public int compareTo(final TopicPartition other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
