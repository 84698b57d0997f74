package dev.ferry.client.producer;

/**
 * A partition of a topic, as a map key.
 *
 * @param topic the topic
 * @param partition the partition
 */
record TopicPartition(String topic, int partition) {
    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
