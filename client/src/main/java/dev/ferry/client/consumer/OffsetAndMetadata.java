package dev.ferry.client.consumer;

/**
 * A committed position: the offset of the next record to consume, with optional application metadata.
 *
 * @param offset the next offset to consume, >= 0
 * @param metadata free text stored with the offset, never null
 */
public record OffsetAndMetadata(long offset, String metadata) {
    /**
     * @param offset the next offset to consume, >= 0
     * @param metadata free text stored with the offset; null is stored as empty
     */
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0: " + offset);
        }
        metadata = metadata == null ? "" : metadata;
    }

    /** @param offset the next offset to consume */
    public OffsetAndMetadata(final long offset) {
        this(offset, "");
    }
}
