package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.log.record.Header;

import java.util.List;

/**
 * One record as consumed: where it is (topic, partition, offset), when it was written and its bytes. Key and value
 * are copies the application owns; either may be null.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the record's offset
 * @param timestamp the record's timestamp (ms since the epoch)
 * @param key the key, or null
 * @param value the value, or null
 * @param headers the headers, in order
 */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
    /** @return the record's partition */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public String toString() {
        return "ConsumerRecord(" + topic + "-" + partition + "@" + offset + ", timestamp=" + timestamp + ")";
    }
}
