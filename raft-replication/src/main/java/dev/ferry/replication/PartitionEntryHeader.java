package dev.ferry.replication;

import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

import java.nio.ByteBuffer;

/**
 * The small header a partition's Raft log entry carries ({@code logData}); the batch bytes travel beside it as
 * {@code stateMachineData} and are written once, into the partition's segment log, never into the Raft log.
 *
 * <pre>
 *   0  int8   version (1)
 *   1  int32  batch count
 *   5  int32  record count
 *   9  int32  size of the batch bytes
 *  13         (end)
 * </pre>
 *
 * @param batchCount batches in the entry
 * @param recordCount records in all of them
 * @param dataBytes size of the batch bytes
 */
public record PartitionEntryHeader(int batchCount, int recordCount, int dataBytes) {
    /** Encoded size in bytes. */
    public static final int SIZE = 13;
    private static final byte VERSION = 1;

    /** @return the encoded header */
    public ByteString encode() {
        final ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.put(VERSION).putInt(batchCount).putInt(recordCount).putInt(dataBytes).flip();
        return ByteString.copyFrom(b);
    }

    /**
     * @param logData the entry's log data
     * @return the header
     * @throws IllegalArgumentException naming the problem when the bytes are not a valid header
     */
    public static PartitionEntryHeader decode(final ByteString logData) {
        if (logData.size() != SIZE) {
            throw new IllegalArgumentException("bad partition entry header: size=" + logData.size() + " expected="
                + SIZE);
        }
        final ByteBuffer b = logData.asReadOnlyByteBuffer();
        final byte version = b.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("bad partition entry header: version=" + version);
        }
        final PartitionEntryHeader h = new PartitionEntryHeader(b.getInt(), b.getInt(), b.getInt());
        if (h.batchCount <= 0 || h.recordCount < h.batchCount || h.dataBytes <= 0) {
            throw new IllegalArgumentException("bad partition entry header: " + h);
        }
        return h;
    }
}
