package dev.ferry.log.record;

/**
 * The byte layout of a record batch: the one place that knows field offsets, lengths, the magic byte,
 * the attribute bits and the CRC coverage. The layout is both Ferry's wire format and its disk format, so
 * a produced batch is appended to a segment and served to fetchers byte for byte.
 *
 * <pre>
 *   offset  len  field            CRC'd
 *  +------+----+-----------------+-----+
 *  |    0 |  8 | baseOffset      |  no |  stamped by the log on append
 *  |    8 |  4 | batchLength     |  no |  = sizeInBytes - LOG_OVERHEAD
 *  |   12 |  8 | leaderTerm      |  no |  stamped by replication, -1 when unset
 *  |   20 |  8 | raftIndex       |  no |  stamped by replication, -1 when unset
 *  |   28 |  1 | magic           |  no |  = CURRENT_MAGIC, validated explicitly
 *  |   29 |  4 | crc             |  no |  CRC32C over [33, end of batch)
 *  +------+----+-----------------+-----+  &lt;- CRC_COVERAGE_OFFSET
 *  |   33 |  2 | attributes      | yes |  bits 0-2 codec, bit 3 timestamp type, rest 0
 *  |   35 |  4 | lastOffsetDelta | yes |  = recordCount - 1
 *  |   39 |  8 | baseTimestamp   | yes |  first record's timestamp (ms)
 *  |   47 |  8 | maxTimestamp    | yes |  largest record timestamp (ms)
 *  |   55 |  8 | producerId      | yes |  -1 = none
 *  |   63 |  2 | producerEpoch   | yes |  -1 = none
 *  |   65 |  4 | baseSequence    | yes |  -1 = none
 *  |   69 |  4 | recordCount     | yes |  &gt;= 1
 *  +------+----+-----------------+-----+  &lt;- HEADER_SIZE = RECORDS_OFFSET = 73
 *  |   73 |  n | records         | yes |  records, or int32 uncompressedSize + codec payload
 *  +------+----+-----------------+-----+
 * </pre>
 *
 * <p>All integers are big-endian. The CRC is a CRC32C over {@code [ATTRIBUTES_OFFSET, end of batch)}. The
 * fields the broker stamps (base offset, leader term, Raft index) and the length and magic sit before
 * that region, so stamping never recomputes the CRC and never re-encodes the batch. The magic is
 * therefore validated explicitly ({@link #CURRENT_MAGIC}).
 *
 * <p>Each record inside the records section is a Kafka v2 record of zig-zag varints (see
 * {@code core-log/FORMAT.md}); its fields have no fixed offsets, only the minimum size below.
 *
 * <p>Thread-safe (constants only).
 */
public final class RecordBatchLayout {

    /** Offset of the base offset (int64), the offset of the batch's first record. */
    public static final int BASE_OFFSET_OFFSET = 0;
    /** Length of the base offset field. */
    public static final int BASE_OFFSET_LENGTH = Long.BYTES;

    /** Offset of the batch length (int32): the number of bytes that follow this field. */
    public static final int BATCH_LENGTH_OFFSET = BASE_OFFSET_OFFSET + BASE_OFFSET_LENGTH;
    /** Length of the batch length field. */
    public static final int BATCH_LENGTH_LENGTH = Integer.BYTES;

    /** Bytes before {@code batchLength} starts counting: base offset plus batch length. */
    public static final int LOG_OVERHEAD = BATCH_LENGTH_OFFSET + BATCH_LENGTH_LENGTH;

    /** Offset of the leader term (int64), stamped by the replication layer; -1 when unset. */
    public static final int LEADER_TERM_OFFSET = BATCH_LENGTH_OFFSET + BATCH_LENGTH_LENGTH;
    /** Length of the leader term field. */
    public static final int LEADER_TERM_LENGTH = Long.BYTES;

    /** Offset of the Raft index (int64) of the entry that carried the batch; -1 when unset. */
    public static final int RAFT_INDEX_OFFSET = LEADER_TERM_OFFSET + LEADER_TERM_LENGTH;
    /** Length of the Raft index field. */
    public static final int RAFT_INDEX_LENGTH = Long.BYTES;

    /** Offset of the magic (format version) byte. */
    public static final int MAGIC_OFFSET = RAFT_INDEX_OFFSET + RAFT_INDEX_LENGTH;
    /** Length of the magic field. */
    public static final int MAGIC_LENGTH = Byte.BYTES;

    /** Offset of the CRC32C (uint32) over {@code [CRC_COVERAGE_OFFSET, end of batch)}. */
    public static final int CRC_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
    /** Length of the CRC field. */
    public static final int CRC_LENGTH = Integer.BYTES;

    /** Offset of the attributes (int16): compression codec and timestamp type bits. */
    public static final int ATTRIBUTES_OFFSET = CRC_OFFSET + CRC_LENGTH;
    /** Length of the attributes field. */
    public static final int ATTRIBUTES_LENGTH = Short.BYTES;

    /** First byte the CRC covers; everything before it may be stamped without recomputing the CRC. */
    public static final int CRC_COVERAGE_OFFSET = ATTRIBUTES_OFFSET;

    /** Offset of the last offset delta (int32), always {@code recordCount - 1}. */
    public static final int LAST_OFFSET_DELTA_OFFSET = ATTRIBUTES_OFFSET + ATTRIBUTES_LENGTH;
    /** Length of the last offset delta field. */
    public static final int LAST_OFFSET_DELTA_LENGTH = Integer.BYTES;

    /** Offset of the base timestamp (int64, ms): the first record's timestamp. */
    public static final int BASE_TIMESTAMP_OFFSET = LAST_OFFSET_DELTA_OFFSET + LAST_OFFSET_DELTA_LENGTH;
    /** Length of the base timestamp field. */
    public static final int BASE_TIMESTAMP_LENGTH = Long.BYTES;

    /** Offset of the max timestamp (int64, ms): the largest record timestamp in the batch. */
    public static final int MAX_TIMESTAMP_OFFSET = BASE_TIMESTAMP_OFFSET + BASE_TIMESTAMP_LENGTH;
    /** Length of the max timestamp field. */
    public static final int MAX_TIMESTAMP_LENGTH = Long.BYTES;

    /** Offset of the producer id (int64); {@link #NO_PRODUCER_ID} when absent. */
    public static final int PRODUCER_ID_OFFSET = MAX_TIMESTAMP_OFFSET + MAX_TIMESTAMP_LENGTH;
    /** Length of the producer id field. */
    public static final int PRODUCER_ID_LENGTH = Long.BYTES;

    /** Offset of the producer epoch (int16); {@link #NO_PRODUCER_EPOCH} when absent. */
    public static final int PRODUCER_EPOCH_OFFSET = PRODUCER_ID_OFFSET + PRODUCER_ID_LENGTH;
    /** Length of the producer epoch field. */
    public static final int PRODUCER_EPOCH_LENGTH = Short.BYTES;

    /** Offset of the base sequence (int32); {@link #NO_SEQUENCE} when absent. */
    public static final int BASE_SEQUENCE_OFFSET = PRODUCER_EPOCH_OFFSET + PRODUCER_EPOCH_LENGTH;
    /** Length of the base sequence field. */
    public static final int BASE_SEQUENCE_LENGTH = Integer.BYTES;

    /** Offset of the record count (int32), at least 1. */
    public static final int RECORD_COUNT_OFFSET = BASE_SEQUENCE_OFFSET + BASE_SEQUENCE_LENGTH;
    /** Length of the record count field. */
    public static final int RECORD_COUNT_LENGTH = Integer.BYTES;

    /** Offset of the records section (possibly compressed as one stream). */
    public static final int RECORDS_OFFSET = RECORD_COUNT_OFFSET + RECORD_COUNT_LENGTH;

    /**
     * Length of the uncompressed size (int32) that starts the records section of a compressed batch; the
     * codec's payload follows it.
     */
    public static final int UNCOMPRESSED_SIZE_LENGTH = Integer.BYTES;

    /** Size of the fixed batch header: every batch is at least this long. */
    public static final int HEADER_SIZE = RECORDS_OFFSET;

    /** Smallest legal value of the batch length field. */
    public static final int MIN_BATCH_LENGTH = HEADER_SIZE - LOG_OVERHEAD;

    /** The only magic (format version) this code reads and writes. */
    public static final byte CURRENT_MAGIC = 1;

    /** Attribute bits 0-2: the compression codec id ({@link CompressionType#id()}). */
    public static final int COMPRESSION_CODEC_MASK = 0x07;
    /** Attribute bit 3: the timestamp type (0 create time, 1 log append time). */
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    /** Attribute bits that must be zero in this magic. */
    public static final int RESERVED_ATTRIBUTES_MASK = 0xFFFF & ~(COMPRESSION_CODEC_MASK | TIMESTAMP_TYPE_MASK);

    /** Value of the leader term and Raft index fields before the replication layer stamps them. */
    public static final long NO_TERM = -1L;
    /** Value of the Raft index field before the replication layer stamps it. */
    public static final long NO_RAFT_INDEX = -1L;
    /** Producer id of a batch without an idempotent producer. */
    public static final long NO_PRODUCER_ID = -1L;
    /** Producer epoch of a batch without an idempotent producer. */
    public static final short NO_PRODUCER_EPOCH = -1;
    /** Base sequence of a batch without an idempotent producer. */
    public static final int NO_SEQUENCE = -1;

    /** Value of a record's reserved attributes byte. */
    public static final byte RECORD_ATTRIBUTES = 0;
    /** Length of a record's attributes field. */
    public static final int RECORD_ATTRIBUTES_LENGTH = Byte.BYTES;
    /**
     * Smallest record body (after its length varint): attributes, and one byte each for the timestamp
     * delta, offset delta, key length, value length and header count varints.
     */
    public static final int RECORD_MIN_BODY_SIZE = RECORD_ATTRIBUTES_LENGTH + 5;
    /** Smallest encoded record: a one-byte length varint and the smallest body. */
    public static final int RECORD_MIN_SIZE = 1 + RECORD_MIN_BODY_SIZE;
    /** Smallest encoded header: a key length varint and a value length varint of one byte each. */
    public static final int HEADER_MIN_SIZE = 2;
    /** Length varint value that marks a null key, value or header value. */
    public static final int NULL_LENGTH = -1;

    private RecordBatchLayout() {
    }
}
