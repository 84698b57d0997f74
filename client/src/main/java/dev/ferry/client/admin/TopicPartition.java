package dev.ferry.client.admin;

/**
 * One partition of a topic, as the admin client names it in offsets, lag and reassignments.
 *
 * @param topic the topic
 * @param partition the partition number
 */
public record TopicPartition(String topic, int partition) {
    /** Validates the fields. */
    public TopicPartition {
        if (topic == null || topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition=" + partition + " must not be negative: topic=" + topic);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
