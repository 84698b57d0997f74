package dev.ferry.node.group;

/**
 * A committed offset as stored in {@code __consumer_offsets}.
 *
 * @param offset the next offset the group will consume
 * @param metadata what the committer attached (at most {@link OffsetRecordCodec#MAX_METADATA_CHARS} chars)
 * @param commitTimestampMs when the coordinator accepted the commit (its wall clock)
 */
public record OffsetAndMetadata(long offset, String metadata, long commitTimestampMs) {
}
