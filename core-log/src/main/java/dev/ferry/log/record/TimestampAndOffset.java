package dev.ferry.log.record;

/**
 * A record found by its timestamp: its offset and its own timestamp (the batch's max timestamp under
 * {@link TimestampType#LOG_APPEND_TIME}), which a ListOffsets-by-time reply carries back, as Kafka's does.
 *
 * <p>Thread-safe (immutable).
 *
 * @param timestamp the record's timestamp, ms since the epoch
 * @param offset the record's offset
 */
public record TimestampAndOffset(long timestamp, long offset) {
}
