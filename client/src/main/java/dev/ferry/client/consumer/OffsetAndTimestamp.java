package dev.ferry.client.consumer;

/**
 * The answer of {@link FerryConsumer#offsetsForTimes}: the first offset whose record has a timestamp at or after
 * the one asked for, and that record's timestamp.
 *
 * @param offset the offset
 * @param timestamp the record's timestamp (ms since the epoch)
 */
public record OffsetAndTimestamp(long offset, long timestamp) {
}
