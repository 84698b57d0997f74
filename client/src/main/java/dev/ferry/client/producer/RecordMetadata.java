package dev.ferry.client.producer;

/**
 * Where an acknowledged record was stored.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset the record's offset, -1 when unknown (acks=0)
 * @param timestamp the record's timestamp (the one given, or the send time)
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {
}
