package dev.ferry.client.producer;

import dev.ferry.log.record.Header;

import java.util.List;
import java.util.Objects;

/**
 * One record to send: raw key and value bytes (serialization is the caller's business), an optional partition
 * (else the {@link Partitioner} picks one) and an optional timestamp (else the send time).
 *
 * <p>Immutable if the caller does not change the arrays after {@link FerryProducer#send}.
 *
 * @param topic the topic, not null
 * @param partition the partition, or null to let the partitioner pick
 * @param timestamp milliseconds since the epoch, or null for the send time
 * @param key the key, or null (null keys spread over partitions, sticky per batch)
 * @param value the value, or null
 * @param headers the headers, never null
 */
public record ProducerRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
    /** Validates the topic and the partition, and copies the header list. */
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("invalid record: partition=" + partition + " must be >= 0");
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("invalid record: timestamp=" + timestamp + " must be >= 0");
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /**
     * @param topic the topic
     * @param key the key, or null
     * @param value the value, or null
     */
    public ProducerRecord(final String topic, final byte[] key, final byte[] value) {
        this(topic, null, null, key, value, List.of());
    }

    /**
     * @param topic the topic
     * @param partition the partition
     * @param key the key, or null
     * @param value the value, or null
     */
    public ProducerRecord(final String topic, final int partition, final byte[] key, final byte[] value) {
        this(topic, partition, null, key, value, List.of());
    }
}
