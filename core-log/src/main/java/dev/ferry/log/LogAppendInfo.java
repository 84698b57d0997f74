package dev.ferry.log;

/**
 * What an append stored: the offsets it assigned and its size.
 *
 * @param firstOffset offset of the first record appended
 * @param lastOffset offset of the last record appended
 * @param maxTimestampMs largest batch max timestamp of the append
 * @param batchCount batches appended
 * @param sizeInBytes bytes appended
 */
public record LogAppendInfo(long firstOffset, long lastOffset, long maxTimestampMs, int batchCount,
                            int sizeInBytes) {

    /** @return the offset the next append will get */
    public long nextOffset() {
        return lastOffset + 1;
    }
}
