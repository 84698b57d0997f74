package dev.ferry.log.record;

import static dev.ferry.log.record.RecordBatchLayout.ATTRIBUTES_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_OFFSET_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_SEQUENCE_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_TIMESTAMP_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BATCH_LENGTH_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.CRC_COVERAGE_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.CRC_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.CURRENT_MAGIC;
import static dev.ferry.log.record.RecordBatchLayout.HEADER_SIZE;
import static dev.ferry.log.record.RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.LEADER_TERM_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.LOG_OVERHEAD;
import static dev.ferry.log.record.RecordBatchLayout.MAGIC_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.MAX_TIMESTAMP_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.NULL_LENGTH;
import static dev.ferry.log.record.RecordBatchLayout.PRODUCER_EPOCH_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.PRODUCER_ID_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RAFT_INDEX_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORDS_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_ATTRIBUTES;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_ATTRIBUTES_LENGTH;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_COUNT_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.TIMESTAMP_TYPE_MASK;
import static dev.ferry.log.record.RecordBatchLayout.UNCOMPRESSED_SIZE_LENGTH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A one-shot writer of one record batch into the space between a buffer's position and limit (heap or
 * direct). Options are set before the first append; records are appended with their key, value and
 * header bytes copied straight into the buffer; {@link #build()} writes the header and the CRC once and
 * returns the batch. After that the builder is closed and every mutating method throws.
 *
 * <pre>{@code
 * RecordBatchBuilder builder = new RecordBatchBuilder(buffer).producerId(7L).producerEpoch((short) 0);
 * while (builder.hasRoomFor(timestampMs, key, value)) {
 *     builder.append(timestampMs, key, value);
 * }
 * ByteBuffer batch = builder.build();
 * }</pre>
 *
 * <p>The base timestamp is the first record's timestamp. Appending allocates nothing per record beyond
 * the caller's own arguments (pass {@link #NO_HEADERS} rather than an empty varargs list on hot paths);
 * header keys are encoded to UTF-8 in place. The caller's buffer position and limit are never changed.
 *
 * <p>With a codec other than {@link CompressionType#NONE}, records go to a heap scratch buffer (pass one
 * to {@link #compression(CompressionType, ByteBuffer)} and reuse it across builders to avoid allocating one
 * per batch) and {@link #build()} compresses them as one payload straight into the target. A record is
 * accepted only while the codec's worst-case output for all records still fits the target, so
 * {@code build()} never runs out of room, at the price of fewer records than the target could hold once
 * compressed.
 *
 * <p>Not thread-safe.
 */
public final class RecordBatchBuilder {

    /** A shared empty header array, so that appending without headers allocates nothing. */
    public static final Header[] NO_HEADERS = new Header[0];

    private final ByteBuffer buffer;
    private final int start;
    private final int limit;

    /** Where records are written: {@link #buffer} when uncompressed, else the scratch buffer. */
    private ByteBuffer records;
    private int recordsStart;
    private int recordsLimit;

    private CompressionType compression = CompressionType.NONE;
    private TimestampType timestampType = TimestampType.CREATE_TIME;
    private long producerId = RecordBatchLayout.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchLayout.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatchLayout.NO_SEQUENCE;
    private long baseOffset;
    private long leaderTerm = RecordBatchLayout.NO_TERM;
    private long raftIndex = RecordBatchLayout.NO_RAFT_INDEX;

    private int writePosition;
    private int recordCount;
    private long baseTimestamp;
    private long maxTimestamp;
    private boolean built;

    /**
     * Creates a builder that writes a batch at {@code buffer.position()}, using at most the bytes up to
     * {@code buffer.limit()}.
     *
     * @param buffer the target; its position and limit are not changed.
     * @throws IllegalArgumentException if the buffer is read-only or has room for less than a batch header.
     */
    public RecordBatchBuilder(final ByteBuffer buffer) {
        if (buffer.isReadOnly()) {
            throw new IllegalArgumentException("buffer is read-only");
        }
        if (buffer.remaining() < HEADER_SIZE) {
            throw new IllegalArgumentException("buffer too small for a batch: remaining=" + buffer.remaining()
                + ", headerSize=" + HEADER_SIZE);
        }
        // A private big-endian view: the format is big-endian whatever the caller's order, and absolute
        // writes through it leave the caller's position and limit alone.
        this.buffer = buffer.duplicate().order(ByteOrder.BIG_ENDIAN);
        this.start = buffer.position();
        this.limit = buffer.limit();
        this.records = this.buffer;
        this.recordsStart = start + RECORDS_OFFSET;
        this.recordsLimit = limit;
        this.writePosition = recordsStart;
    }

    /**
     * Sets the compression codec of the records section. For a codec other than NONE, this allocates a
     * scratch buffer as large as the target's room; use {@link #compression(CompressionType, ByteBuffer)}
     * on hot paths.
     *
     * @param compression the codec.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder compression(final CompressionType compression) {
        final ByteBuffer scratch = compression == CompressionType.NONE ? null
            : ByteBuffer.allocate(Math.max(limit - start - RECORDS_OFFSET - UNCOMPRESSED_SIZE_LENGTH, 0));
        return compression(compression, scratch);
    }

    /**
     * Sets the compression codec, writing the uncompressed records into the caller's scratch buffer between
     * its position and limit (position and limit are not changed). The scratch can be reused for the next
     * builder once this one is built. Records fit only while they fit the scratch too; a scratch as large as
     * the target's room never limits them (no record set compresses below its worst-case bound otherwise).
     *
     * @param compression the codec.
     * @param scratch a writable heap buffer not overlapping the target; ignored (may be null) for NONE.
     * @return this builder.
     * @throws IllegalArgumentException if the scratch is missing, read-only or not array-backed.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder compression(final CompressionType compression, final ByteBuffer scratch) {
        ensureConfigurable();
        if (compression == CompressionType.NONE) {
            this.records = buffer;
            this.recordsStart = start + RECORDS_OFFSET;
            this.recordsLimit = limit;
        } else {
            if (scratch == null || !scratch.hasArray()) {
                throw new IllegalArgumentException("compression needs a writable heap scratch buffer: compression="
                    + compression);
            }
            this.records = scratch.duplicate().order(ByteOrder.BIG_ENDIAN);
            this.recordsStart = scratch.position();
            this.recordsLimit = scratch.limit();
        }
        this.writePosition = recordsStart;
        this.compression = compression;
        return this;
    }

    /**
     * Sets the timestamp type attribute bit. Record timestamps are written as given either way.
     *
     * @param timestampType the timestamp type.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder timestampType(final TimestampType timestampType) {
        ensureConfigurable();
        this.timestampType = timestampType;
        return this;
    }

    /**
     * Sets the idempotent producer's id (default {@link RecordBatchLayout#NO_PRODUCER_ID}).
     *
     * @param producerId the producer id.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder producerId(final long producerId) {
        ensureConfigurable();
        this.producerId = producerId;
        return this;
    }

    /**
     * Sets the idempotent producer's epoch (default {@link RecordBatchLayout#NO_PRODUCER_EPOCH}).
     *
     * @param producerEpoch the producer epoch.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder producerEpoch(final short producerEpoch) {
        ensureConfigurable();
        this.producerEpoch = producerEpoch;
        return this;
    }

    /**
     * Sets the first record's producer sequence number (default {@link RecordBatchLayout#NO_SEQUENCE}).
     *
     * @param baseSequence the base sequence.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder baseSequence(final int baseSequence) {
        ensureConfigurable();
        this.baseSequence = baseSequence;
        return this;
    }

    /**
     * Sets the base offset (default 0). The log normally stamps it later with {@link RecordBatch#baseOffset(long)}.
     *
     * @param baseOffset the first record's offset.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder baseOffset(final long baseOffset) {
        ensureConfigurable();
        this.baseOffset = baseOffset;
        return this;
    }

    /**
     * Sets the leader term (default {@link RecordBatchLayout#NO_TERM}).
     *
     * @param leaderTerm the Raft term.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder leaderTerm(final long leaderTerm) {
        ensureConfigurable();
        this.leaderTerm = leaderTerm;
        return this;
    }

    /**
     * Sets the Raft index (default {@link RecordBatchLayout#NO_RAFT_INDEX}).
     *
     * @param raftIndex the Raft log index.
     * @return this builder.
     * @throws IllegalStateException after the first append.
     */
    public RecordBatchBuilder raftIndex(final long raftIndex) {
        ensureConfigurable();
        this.raftIndex = raftIndex;
        return this;
    }

    /**
     * Tells whether a record without headers fits in the remaining space.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key, or null.
     * @param value the value, or null.
     * @return true if {@link #append(long, byte[], byte[])} with these arguments would succeed.
     */
    public boolean hasRoomFor(final long timestampMs, final byte[] key, final byte[] value) {
        return hasRoomFor(timestampMs, key, value, NO_HEADERS);
    }

    /**
     * Tells whether a record fits in the remaining space.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key, or null.
     * @param value the value, or null.
     * @param headers the headers (null means none).
     * @return true if {@link #append(long, byte[], byte[], Header...)} with these arguments would succeed.
     */
    public boolean hasRoomFor(final long timestampMs, final byte[] key, final byte[] value, final Header... headers) {
        return !built && fits(recordSize(timestampMs, length(key), length(value), headers));
    }

    /**
     * Tells whether a record fits in the remaining space.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key's remaining bytes, or null.
     * @param value the value's remaining bytes, or null.
     * @param headers the headers (null means none).
     * @return true if {@link #append(long, ByteBuffer, ByteBuffer, Header...)} with these arguments would succeed.
     */
    public boolean hasRoomFor(final long timestampMs, final ByteBuffer key, final ByteBuffer value,
                              final Header... headers) {
        return !built && fits(recordSize(timestampMs, length(key), length(value), headers));
    }

    /**
     * Appends a record without headers.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key, or null for a null key.
     * @param value the value, or null for a null value.
     * @throws IllegalStateException if the record does not fit or the batch was built.
     */
    public void append(final long timestampMs, final byte[] key, final byte[] value) {
        append(timestampMs, key, value, NO_HEADERS);
    }

    /**
     * Appends a record.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key, or null for a null key.
     * @param value the value, or null for a null value.
     * @param headers the headers (null means none); keys are written as UTF-8.
     * @throws IllegalStateException if the record does not fit or the batch was built.
     * @throws NullPointerException if a header is null.
     */
    public void append(final long timestampMs, final byte[] key, final byte[] value, final Header... headers) {
        appendRecord(timestampMs, key, null, length(key), value, null, length(value), headers);
    }

    /**
     * Appends a record, copying the key's and value's bytes between position and limit; their positions
     * are not changed.
     *
     * @param timestampMs the record's timestamp.
     * @param key the key, or null for a null key.
     * @param value the value, or null for a null value.
     * @param headers the headers (null means none); keys are written as UTF-8.
     * @throws IllegalStateException if the record does not fit or the batch was built.
     * @throws NullPointerException if a header is null.
     */
    public void append(final long timestampMs, final ByteBuffer key, final ByteBuffer value,
                       final Header... headers) {
        appendRecord(timestampMs, null, key, length(key), null, value, length(value), headers);
    }

    private void appendRecord(final long timestampMs, final byte[] keyArray, final ByteBuffer keyBuffer,
                              final int keyLength, final byte[] valueArray, final ByteBuffer valueBuffer,
                              final int valueLength, final Header[] headers) {
        ensureOpen();
        final long bodySize = bodySize(timestampMs, keyLength, valueLength, headers);
        final long recordSize = ByteUtils.sizeOfVarint((int) Math.min(bodySize, Integer.MAX_VALUE)) + bodySize;
        if (!fits(recordSize)) {
            throw new IllegalStateException("no room for record: recordSize=" + recordSize + ", remaining="
                + (recordsLimit - writePosition) + ", compression=" + compression + ", recordCount=" + recordCount);
        }
        if (recordCount == 0) {
            baseTimestamp = timestampMs;
            maxTimestamp = timestampMs;
        } else {
            maxTimestamp = Math.max(maxTimestamp, timestampMs);
        }
        final ByteBuffer buffer = this.records;
        int pos = writePosition;
        pos += ByteUtils.writeVarint((int) bodySize, buffer, pos);
        buffer.put(pos, RECORD_ATTRIBUTES);
        pos += RECORD_ATTRIBUTES_LENGTH;
        pos += ByteUtils.writeVarlong(timestampMs - baseTimestamp, buffer, pos);
        pos += ByteUtils.writeVarint(recordCount, buffer, pos);
        pos += ByteUtils.writeVarint(keyLength, buffer, pos);
        pos = writeBytes(pos, keyArray, keyBuffer, keyLength);
        pos += ByteUtils.writeVarint(valueLength, buffer, pos);
        pos = writeBytes(pos, valueArray, valueBuffer, valueLength);
        final int headerCount = headers == null ? 0 : headers.length;
        pos += ByteUtils.writeVarint(headerCount, buffer, pos);
        for (int i = 0; i < headerCount; i++) {
            final Header header = headers[i];
            final String headerKey = header.key();
            pos += ByteUtils.writeVarint(ByteUtils.utf8Length(headerKey), buffer, pos);
            pos += ByteUtils.writeUtf8(headerKey, buffer, pos);
            final byte[] headerValue = header.value();
            pos += ByteUtils.writeVarint(length(headerValue), buffer, pos);
            pos = writeBytes(pos, headerValue, null, length(headerValue));
        }
        writePosition = pos;
        recordCount++;
    }

    private int writeBytes(final int pos, final byte[] array, final ByteBuffer source, final int length) {
        if (array != null) {
            records.put(pos, array);
        } else if (source != null) {
            records.put(pos, source, source.position(), length);
        }
        return pos + Math.max(length, 0);
    }

    /** Whether a record of this size fits the records buffer and, compressed, the codec's worst case fits. */
    private boolean fits(final long recordSize) {
        if (recordSize > recordsLimit - writePosition) {
            return false;
        }
        if (compression == CompressionType.NONE) {
            return true;
        }
        final long uncompressed = writePosition - recordsStart + recordSize;
        return RecordsCodec.maxCompressedLength(compression, uncompressed) <= compressedRoom();
    }

    private int compressedRoom() {
        return limit - start - RECORDS_OFFSET - UNCOMPRESSED_SIZE_LENGTH;
    }

    private long recordSize(final long timestampMs, final int keyLength, final int valueLength,
                            final Header[] headers) {
        final long bodySize = bodySize(timestampMs, keyLength, valueLength, headers);
        return ByteUtils.sizeOfVarint((int) Math.min(bodySize, Integer.MAX_VALUE)) + bodySize;
    }

    private long bodySize(final long timestampMs, final int keyLength, final int valueLength,
                          final Header[] headers) {
        final long timestampDelta = recordCount == 0 ? 0 : timestampMs - baseTimestamp;
        long size = RECORD_ATTRIBUTES_LENGTH
            + ByteUtils.sizeOfVarlong(timestampDelta)
            + ByteUtils.sizeOfVarint(recordCount)
            + ByteUtils.sizeOfVarint(keyLength) + Math.max(keyLength, 0)
            + ByteUtils.sizeOfVarint(valueLength) + Math.max(valueLength, 0);
        final int headerCount = headers == null ? 0 : headers.length;
        size += ByteUtils.sizeOfVarint(headerCount);
        for (int i = 0; i < headerCount; i++) {
            final int headerKeyLength = ByteUtils.utf8Length(headers[i].key());
            final int headerValueLength = length(headers[i].value());
            size += ByteUtils.sizeOfVarint(headerKeyLength) + headerKeyLength
                + ByteUtils.sizeOfVarint(headerValueLength) + Math.max(headerValueLength, 0);
        }
        return size;
    }

    private static int length(final byte[] bytes) {
        return bytes == null ? NULL_LENGTH : bytes.length;
    }

    private static int length(final ByteBuffer bytes) {
        return bytes == null ? NULL_LENGTH : bytes.remaining();
    }

    /**
     * Returns the number of records appended so far.
     *
     * @return the record count.
     */
    public int recordCount() {
        return recordCount;
    }

    /**
     * Returns the size the batch would have if built now: exact for uncompressed batches, the codec's worst
     * case for compressed ones.
     *
     * @return the batch size in bytes, header included.
     */
    public int estimatedSizeInBytes() {
        final int uncompressed = writePosition - recordsStart;
        if (compression == CompressionType.NONE) {
            return RECORDS_OFFSET + uncompressed;
        }
        return (int) (RECORDS_OFFSET + UNCOMPRESSED_SIZE_LENGTH
            + RecordsCodec.maxCompressedLength(compression, uncompressed));
    }

    /**
     * Compresses the records if a codec is set (into the target, after the header and the uncompressed
     * size), writes the batch header (base timestamp = first record's timestamp, max timestamp, last offset
     * delta, record count, CRC over the compressed bytes) and closes the builder. The scratch buffer may be
     * reused once this returns.
     *
     * @return a view of the batch with position 0 and limit = the batch size, sharing the target's bytes.
     * @throws IllegalStateException if no record was appended or the batch was already built.
     */
    public ByteBuffer build() {
        ensureOpen();
        if (recordCount == 0) {
            throw new IllegalStateException("cannot build an empty batch: recordCount=0");
        }
        final ByteBuffer buffer = this.buffer;
        final int size = compression == CompressionType.NONE ? writePosition - start : compressRecords();
        final int timestampTypeBit = timestampType == TimestampType.LOG_APPEND_TIME ? TIMESTAMP_TYPE_MASK : 0;
        final int attributes = compression.id() | timestampTypeBit;
        buffer.putLong(start + BASE_OFFSET_OFFSET, baseOffset);
        buffer.putInt(start + BATCH_LENGTH_OFFSET, size - LOG_OVERHEAD);
        buffer.putLong(start + LEADER_TERM_OFFSET, leaderTerm);
        buffer.putLong(start + RAFT_INDEX_OFFSET, raftIndex);
        buffer.put(start + MAGIC_OFFSET, CURRENT_MAGIC);
        buffer.putShort(start + ATTRIBUTES_OFFSET, (short) attributes);
        buffer.putInt(start + LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        buffer.putLong(start + BASE_TIMESTAMP_OFFSET, baseTimestamp);
        buffer.putLong(start + MAX_TIMESTAMP_OFFSET, maxTimestamp);
        buffer.putLong(start + PRODUCER_ID_OFFSET, producerId);
        buffer.putShort(start + PRODUCER_EPOCH_OFFSET, producerEpoch);
        buffer.putInt(start + BASE_SEQUENCE_OFFSET, baseSequence);
        buffer.putInt(start + RECORD_COUNT_OFFSET, recordCount);
        final int crc = RecordBatch.crc32c(new CRC32C(), buffer, start + CRC_COVERAGE_OFFSET, start + size);
        buffer.putInt(start + CRC_OFFSET, crc);
        built = true;
        return buffer.slice(start, size);
    }

    /** Compresses the scratch records into the target after the header; returns the batch size. */
    private int compressRecords() {
        final int uncompressedSize = writePosition - recordsStart;
        final int payloadStart = start + RECORDS_OFFSET + UNCOMPRESSED_SIZE_LENGTH;
        final int room = limit - payloadStart;
        final byte[] source = records.array();
        final int sourceOffset = records.arrayOffset() + recordsStart;
        final int compressedSize;
        if (buffer.hasArray()) {
            compressedSize = RecordsCodec.compress(compression, source, sourceOffset, uncompressedSize,
                buffer.array(), buffer.arrayOffset() + payloadStart, room);
        } else {
            // The codecs' array entry points need an array; a direct target costs one copy (and this array).
            final byte[] compressed = new byte[(int) Math.min(room,
                RecordsCodec.maxCompressedLength(compression, uncompressedSize))];
            compressedSize = RecordsCodec.compress(compression, source, sourceOffset, uncompressedSize,
                compressed, 0, compressed.length);
            buffer.put(payloadStart, compressed, 0, compressedSize);
        }
        buffer.putInt(start + RECORDS_OFFSET, uncompressedSize);
        return RECORDS_OFFSET + UNCOMPRESSED_SIZE_LENGTH + compressedSize;
    }

    private void ensureOpen() {
        if (built) {
            throw new IllegalStateException("batch already built: recordCount=" + recordCount);
        }
    }

    private void ensureConfigurable() {
        ensureOpen();
        if (recordCount > 0) {
            throw new IllegalStateException("options must be set before the first append: recordCount="
                + recordCount);
        }
    }
}
