package dev.ferry.log.record;

/**
 * Compression codec of a batch's records section, stored in attribute bits 0-2
 * ({@link RecordBatchLayout#COMPRESSION_CODEC_MASK}). A compressed section is an int32 uncompressed size
 * followed by the codec's payload over all records at once (FORMAT.md); the batch header stays
 * uncompressed so the broker validates and indexes batches without decompressing them.
 *
 * <p>Thread-safe (immutable).
 */
public enum CompressionType {
    /** Records stored as is. */
    NONE(0),
    /** LZ4 block format (lz4-java): fast, moderate ratio. */
    LZ4(1),
    /** One Zstandard frame (zstd-jni, level 3): the best ratio for its speed. */
    ZSTD(2),
    /** Snappy raw format (snappy-java), for clients that expect it. */
    SNAPPY(3);

    private final int id;

    CompressionType(final int id) {
        this.id = id;
    }

    /**
     * Returns the codec id stored in the attributes.
     *
     * @return the id, 0 to 3.
     */
    public int id() {
        return id;
    }

    /**
     * Maps a stored codec id to its type without allocating.
     *
     * @param id the codec id from the attributes.
     * @return the compression type.
     * @throws CorruptBatchException if the id names no known codec.
     */
    public static CompressionType forId(final int id) {
        switch (id) {
            case 0:
                return NONE;
            case 1:
                return LZ4;
            case 2:
                return ZSTD;
            case 3:
                return SNAPPY;
            default:
                throw new CorruptBatchException("unknown compression codec: id=" + id);
        }
    }
}
