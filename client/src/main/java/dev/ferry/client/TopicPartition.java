package dev.ferry.client;

import java.util.Objects;

/**
 * One partition of a topic: what a producer sends to, a consumer is assigned, fetches and commits, and the
 * admin client describes. Immutable.
 *
 * @param topic the topic
 * @param partition the partition, from 0
 */
public record TopicPartition(String topic, int partition) {
    /**
     * @param topic the topic, not null
     * @param partition the partition, from 0
     */
    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0: " + partition);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
