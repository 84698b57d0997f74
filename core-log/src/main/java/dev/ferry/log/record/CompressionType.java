package dev.ferry.log.record;

/**
 * Compression codec of a batch's records section, stored in attribute bits 0-2
 * ({@link RecordBatchLayout#COMPRESSION_CODEC_MASK}). Only {@link #NONE} is written and read today; the
 * others are reserved in the format so that the client's codecs need no format change.
 *
 * <p>Thread-safe (immutable).
 */
public enum CompressionType {
    /** Records stored as is. */
    NONE(0),
    /** LZ4 frame format (not implemented yet). */
    LZ4(1),
    /** Zstandard (not implemented yet). */
    ZSTD(2),
    /** Snappy (not implemented yet). */
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
