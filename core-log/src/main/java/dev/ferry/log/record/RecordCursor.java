package dev.ferry.log.record;

import static dev.ferry.log.record.RecordBatchLayout.HEADER_MIN_SIZE;
import static dev.ferry.log.record.RecordBatchLayout.NULL_LENGTH;
import static dev.ferry.log.record.RecordBatchLayout.RECORDS_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_ATTRIBUTES;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_ATTRIBUTES_LENGTH;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_MIN_BODY_SIZE;
import static dev.ferry.log.record.RecordBatchLayout.UNCOMPRESSED_SIZE_LENGTH;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A reusable, allocation-free reader of the records of one batch. After
 * {@link #reset(RecordBatch)}, each {@link #next()} parses and checks one record and exposes its fields
 * as numbers and absolute positions in {@link #buffer()}; the record's headers are walked with
 * {@link #nextHeader()}. Only {@link #key()}, {@link #value()}, {@link #keyString()}, {@link #valueString()},
 * {@link #headerKey()} and {@link #headerValue()} allocate, and say so.
 *
 * <pre>{@code
 * cursor.reset(batch);
 * while (cursor.next()) {
 *     handle(cursor.offset(), cursor.buffer(), cursor.valuePosition(), cursor.valueLength());
 * }
 * }</pre>
 *
 * <p>A compressed batch is decompressed at {@link #reset(RecordBatch)} into a buffer the cursor owns and
 * reuses (it grows to the largest batch seen, up to the cursor's {@code maxUncompressedBytes}); positions
 * then refer to that buffer, so always read through {@link #buffer()}. A damaged payload is a
 * {@link CorruptBatchException} naming the batch's base offset and codec. Reading a batch held in a buffer
 * without an accessible array (direct, read-only) copies the compressed bytes into a second reusable array.
 *
 * <p>{@link RecordBatch#ensureValid(int)} validates uncompressed records through this class, so the record
 * rules live here once. The cursor holds the batch's header fields as read at reset; it does not see later stamps.
 *
 * <p>Not thread-safe: use one instance per thread.
 */
public final class RecordCursor {

    /**
     * Default bound on a compressed batch's records once decompressed: 64 times the default
     * {@code max.batch.bytes}, so that a small hostile batch cannot make a reader allocate gigabytes.
     */
    public static final int DEFAULT_MAX_UNCOMPRESSED_BYTES = 64 << 20;

    private static final byte[] EMPTY = new byte[0];

    private final int maxUncompressedBytes;
    private byte[] uncompressed = EMPTY;
    private ByteBuffer uncompressedBuffer = ByteBuffer.wrap(EMPTY);
    private byte[] compressedCopy = EMPTY;

    private ByteBuffer buffer;
    private CompressionType compression = CompressionType.NONE;
    private long batchBaseOffset;
    private long baseTimestamp;
    private long maxTimestamp;
    private int recordCount;
    private int batchEnd;
    private int position;
    private int recordIndex;

    private long timestamp;
    private int offsetDelta;
    private int recordEnd;
    private int keyLength;
    private int keyPosition;
    private int valueLength;
    private int valuePosition;
    private int headerCount;

    private int headerIndex;
    private int nextHeaderPosition;
    private int headerKeyLength;
    private int headerKeyPosition;
    private int headerValueLength;
    private int headerValuePosition;

    /**
     * Creates a cursor that decompresses up to {@link #DEFAULT_MAX_UNCOMPRESSED_BYTES}; call
     * {@link #reset(RecordBatch)} before {@link #next()}.
     */
    public RecordCursor() {
        this(DEFAULT_MAX_UNCOMPRESSED_BYTES);
    }

    /**
     * Creates a cursor; call {@link #reset(RecordBatch)} before {@link #next()}.
     *
     * @param maxUncompressedBytes the largest decompressed records section accepted.
     * @throws IllegalArgumentException if not positive.
     */
    public RecordCursor(final int maxUncompressedBytes) {
        if (maxUncompressedBytes <= 0) {
            throw new IllegalArgumentException("maxUncompressedBytes must be positive: " + maxUncompressedBytes);
        }
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    /**
     * Positions the cursor before the first record of a batch, decompressing its records first if the
     * batch is compressed. Checks that the batch lies inside its buffer's limit; the records are checked as
     * {@link #next()} reaches them.
     *
     * @param batch a wrapped batch; its header fields are read now.
     * @return this cursor.
     * @throws CorruptBatchException if the batch is truncated, its codec id is unknown or its compressed
     *     records are damaged.
     * @throws BatchTooLargeException if the decompressed records would exceed {@code maxUncompressedBytes}.
     */
    public RecordCursor reset(final RecordBatch batch) {
        final ByteBuffer batchBuffer = batch.buffer();
        final int start = batch.index();
        final int size = RecordBatch.sizeAt(batchBuffer, start);
        final int available = batchBuffer.limit() - start;
        if (size > available) {
            throw new CorruptBatchException("truncated batch: size=" + size + ", available=" + available);
        }
        final CompressionType compression = batch.compression();
        this.compression = compression;
        this.batchBaseOffset = batch.baseOffset();
        this.baseTimestamp = batch.baseTimestamp();
        this.maxTimestamp = batch.maxTimestamp();
        this.recordCount = batch.recordCount();
        if (compression == CompressionType.NONE) {
            this.buffer = batchBuffer;
            this.batchEnd = start + size;
            this.position = start + RECORDS_OFFSET;
        } else {
            final int uncompressedSize = decompress(batchBuffer, start, size, compression);
            this.buffer = uncompressedBuffer;
            this.batchEnd = uncompressedSize;
            this.position = 0;
        }
        this.recordIndex = 0;
        this.headerCount = 0;
        this.headerIndex = 0;
        return this;
    }

    /** Decompresses the records into {@link #uncompressed}; returns their size. */
    private int decompress(final ByteBuffer batchBuffer, final int start, final int size,
                           final CompressionType compression) {
        final int compressedLength = size - RECORDS_OFFSET - UNCOMPRESSED_SIZE_LENGTH;
        final int uncompressedSize = RecordBatch.checkedUncompressedSize(batchBuffer, start, size, recordCount,
            compression, batchBaseOffset);
        if (uncompressedSize > maxUncompressedBytes) {
            throw new BatchTooLargeException("uncompressed size " + uncompressedSize + " exceeds maxUncompressedBytes="
                + maxUncompressedBytes + ": compression=" + compression + ", batchBaseOffset=" + batchBaseOffset);
        }
        if (uncompressed.length < uncompressedSize) {
            uncompressed = new byte[grow(uncompressed.length, uncompressedSize)];
            uncompressedBuffer = ByteBuffer.wrap(uncompressed);
        }
        final int payload = start + RECORDS_OFFSET + UNCOMPRESSED_SIZE_LENGTH;
        final byte[] source;
        final int sourceOffset;
        if (batchBuffer.hasArray()) {
            source = batchBuffer.array();
            sourceOffset = batchBuffer.arrayOffset() + payload;
        } else {
            if (compressedCopy.length < compressedLength) {
                compressedCopy = new byte[grow(compressedCopy.length, compressedLength)];
            }
            batchBuffer.get(payload, compressedCopy, 0, compressedLength);
            source = compressedCopy;
            sourceOffset = 0;
        }
        RecordsCodec.decompress(compression, source, sourceOffset, compressedLength, uncompressed, uncompressedSize,
            batchBaseOffset);
        return uncompressedSize;
    }

    private int grow(final int current, final int needed) {
        return (int) Math.min(Math.max(needed, 2L * current), Math.max(needed, maxUncompressedBytes));
    }

    /**
     * Advances to the next record, checking it: its length lies within the batch, its reserved attributes
     * are 0, its timestamp is at most the batch's max timestamp, its offset delta equals its index, its key,
     * value and header lengths lie within the record and its fields end exactly at the record's end. After
     * the last record, checks that the records end exactly at the batch end. Allocates nothing.
     *
     * @return true if a record was read; false after the batch's {@code recordCount} records.
     * @throws CorruptBatchException if the record is malformed or there are fewer or more records than
     *     the header says; for a compressed batch, the message ends with the codec and base offset.
     */
    public boolean next() {
        if (compression == CompressionType.NONE) {
            return nextRecord();
        }
        try {
            return nextRecord();
        } catch (final CorruptBatchException e) {
            // Positions in the decompressed bytes mean little to an operator; the batch and codec do.
            final String message = e.getMessage();
            throw new CorruptBatchException(message + ", compression=" + compression
                + (message.contains("batchBaseOffset=") ? "" : ", batchBaseOffset=" + batchBaseOffset), e);
        }
    }

    private boolean nextRecord() {
        final ByteBuffer buffer = this.buffer;
        final int end = batchEnd;
        int pos = position;
        if (recordIndex >= recordCount) {
            if (pos != end) {
                throw new CorruptBatchException("trailing bytes after last record: recordCount=" + recordCount
                    + ", trailingBytes=" + (end - pos) + ", batchBaseOffset=" + batchBaseOffset);
            }
            return false;
        }
        if (pos >= end) {
            throw new CorruptBatchException("record count mismatch: header recordCount=" + recordCount
                + ", found=" + recordIndex);
        }
        final int length = ByteUtils.readVarint(buffer, pos, end);
        pos += ByteUtils.sizeOfVarint(length);
        if (length < RECORD_MIN_BODY_SIZE || length > end - pos) {
            throw corrupt("record length out of bounds", "length", length, end - pos);
        }
        final int recordEnd = pos + length;
        final byte attributes = buffer.get(pos);
        if (attributes != RECORD_ATTRIBUTES) {
            throw corrupt("reserved record attributes set", "attributes", attributes, recordEnd - pos);
        }
        pos += RECORD_ATTRIBUTES_LENGTH;
        final long timestampDelta = ByteUtils.readVarlong(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarlong(timestampDelta);
        // Two's complement wrap-around is intended: the builder wrote timestamp - baseTimestamp, so adding it
        // back yields the exact timestamp even when the subtraction overflowed.
        final long timestamp = baseTimestamp + timestampDelta;
        if (timestamp > maxTimestamp) {
            throw new CorruptBatchException("record timestamp after max timestamp: recordIndex=" + recordIndex
                + ", timestamp=" + timestamp + ", maxTimestamp=" + maxTimestamp + ", batchBaseOffset="
                + batchBaseOffset);
        }
        final int offsetDelta = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(offsetDelta);
        if (offsetDelta != recordIndex) {
            throw new CorruptBatchException("offset delta mismatch: recordIndex=" + recordIndex + ", offsetDelta="
                + offsetDelta + ", batchBaseOffset=" + batchBaseOffset);
        }
        final int keyLength = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(keyLength);
        if (keyLength < NULL_LENGTH || keyLength > recordEnd - pos) {
            throw corrupt("key length out of bounds", "keyLength", keyLength, recordEnd - pos);
        }
        final int keyPosition = pos;
        pos += Math.max(keyLength, 0);
        final int valueLength = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(valueLength);
        if (valueLength < NULL_LENGTH || valueLength > recordEnd - pos) {
            throw corrupt("value length out of bounds", "valueLength", valueLength, recordEnd - pos);
        }
        final int valuePosition = pos;
        pos += Math.max(valueLength, 0);
        final int headerCount = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(headerCount);
        if (headerCount < 0 || headerCount > (recordEnd - pos) / HEADER_MIN_SIZE) {
            throw corrupt("header count out of bounds", "headerCount", headerCount, recordEnd - pos);
        }
        final int headersPosition = pos;
        pos = skipHeaders(buffer, pos, recordEnd, headerCount);
        if (pos != recordEnd) {
            throw corrupt("record length mismatch", "length", length, recordEnd - pos);
        }
        this.timestamp = timestamp;
        this.offsetDelta = offsetDelta;
        this.recordEnd = recordEnd;
        this.keyLength = keyLength;
        this.keyPosition = keyPosition;
        this.valueLength = valueLength;
        this.valuePosition = valuePosition;
        this.headerCount = headerCount;
        this.headerIndex = 0;
        this.nextHeaderPosition = headersPosition;
        this.position = recordEnd;
        this.recordIndex++;
        return true;
    }

    private int skipHeaders(final ByteBuffer buffer, final int from, final int recordEnd, final int count) {
        int pos = from;
        for (int i = 0; i < count; i++) {
            final int headerKeyLength = ByteUtils.readVarint(buffer, pos, recordEnd);
            pos += ByteUtils.sizeOfVarint(headerKeyLength);
            if (headerKeyLength < 0 || headerKeyLength > recordEnd - pos) {
                throw corrupt("header key length out of bounds", "headerIndex=" + i + ", headerKeyLength",
                    headerKeyLength, recordEnd - pos);
            }
            pos += headerKeyLength;
            final int headerValueLength = ByteUtils.readVarint(buffer, pos, recordEnd);
            pos += ByteUtils.sizeOfVarint(headerValueLength);
            if (headerValueLength < NULL_LENGTH || headerValueLength > recordEnd - pos) {
                throw corrupt("header value length out of bounds", "headerIndex=" + i + ", headerValueLength",
                    headerValueLength, recordEnd - pos);
            }
            pos += Math.max(headerValueLength, 0);
        }
        return pos;
    }

    private CorruptBatchException corrupt(final String problem, final String name, final int value,
                                          final int remaining) {
        return new CorruptBatchException(problem + ": recordIndex=" + recordIndex + ", " + name + "=" + value
            + ", remaining=" + remaining + ", batchBaseOffset=" + batchBaseOffset);
    }

    /**
     * Advances to the current record's next header. The header bytes were checked by {@link #next()}.
     *
     * @return true if a header was read; false after {@link #headerCount()} headers.
     */
    public boolean nextHeader() {
        if (headerIndex >= headerCount) {
            return false;
        }
        int pos = nextHeaderPosition;
        final int keyLength = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(keyLength);
        headerKeyLength = keyLength;
        headerKeyPosition = pos;
        pos += keyLength;
        final int valueLength = ByteUtils.readVarint(buffer, pos, recordEnd);
        pos += ByteUtils.sizeOfVarint(valueLength);
        headerValueLength = valueLength;
        headerValuePosition = pos;
        nextHeaderPosition = pos + Math.max(valueLength, 0);
        headerIndex++;
        return true;
    }

    /**
     * Returns the buffer that the positions refer to.
     *
     * @return the batch's buffer; read it with absolute gets.
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Returns the current record's offset.
     *
     * @return the batch's base offset (as read at reset) plus the record's offset delta.
     */
    public long offset() {
        return batchBaseOffset + offsetDelta;
    }

    /**
     * Returns the current record's offset relative to the batch's base offset.
     *
     * @return the offset delta, the record's index in the batch.
     */
    public int offsetDelta() {
        return offsetDelta;
    }

    /**
     * Returns the current record's timestamp as written by the producer, whatever the batch's
     * {@link TimestampType}.
     *
     * @return the batch's base timestamp plus the record's timestamp delta, in ms.
     */
    public long timestamp() {
        return timestamp;
    }

    /**
     * Returns the current record's key length.
     *
     * @return the key length in bytes, or -1 for a null key.
     */
    public int keyLength() {
        return keyLength;
    }

    /**
     * Returns where the current record's key starts.
     *
     * @return the absolute position of the key in {@link #buffer()} (where it would start if null).
     */
    public int keyPosition() {
        return keyPosition;
    }

    /**
     * Returns the current record's value length.
     *
     * @return the value length in bytes, or -1 for a null value.
     */
    public int valueLength() {
        return valueLength;
    }

    /**
     * Returns where the current record's value starts.
     *
     * @return the absolute position of the value in {@link #buffer()} (where it would start if null).
     */
    public int valuePosition() {
        return valuePosition;
    }

    /**
     * Returns the current record's number of headers.
     *
     * @return the header count.
     */
    public int headerCount() {
        return headerCount;
    }

    /**
     * Returns the current header's key length.
     *
     * @return the UTF-8 length of the key in bytes.
     */
    public int headerKeyLength() {
        return headerKeyLength;
    }

    /**
     * Returns where the current header's key starts.
     *
     * @return the absolute position of the UTF-8 key in {@link #buffer()}.
     */
    public int headerKeyPosition() {
        return headerKeyPosition;
    }

    /**
     * Returns the current header's value length.
     *
     * @return the value length in bytes, or -1 for a null value.
     */
    public int headerValueLength() {
        return headerValueLength;
    }

    /**
     * Returns where the current header's value starts.
     *
     * @return the absolute position of the value in {@link #buffer()} (where it would start if null).
     */
    public int headerValuePosition() {
        return headerValuePosition;
    }

    /**
     * Copies the current record's key. Allocates; hot paths use {@link #keyPosition()} and
     * {@link #keyLength()}.
     *
     * @return a new array, or null for a null key.
     */
    public byte[] key() {
        return copy(keyPosition, keyLength);
    }

    /**
     * Copies the current record's value. Allocates; hot paths use {@link #valuePosition()} and
     * {@link #valueLength()}.
     *
     * @return a new array, or null for a null value.
     */
    public byte[] value() {
        return copy(valuePosition, valueLength);
    }

    /**
     * Decodes the current record's key as UTF-8. Allocates.
     *
     * @return a new string, or null for a null key.
     */
    public String keyString() {
        return utf8(keyPosition, keyLength);
    }

    /**
     * Decodes the current record's value as UTF-8. Allocates.
     *
     * @return a new string, or null for a null value.
     */
    public String valueString() {
        return utf8(valuePosition, valueLength);
    }

    /**
     * Decodes the current header's key. Allocates.
     *
     * @return a new string.
     */
    public String headerKey() {
        return utf8(headerKeyPosition, headerKeyLength);
    }

    /**
     * Copies the current header's value. Allocates.
     *
     * @return a new array, or null for a null value.
     */
    public byte[] headerValue() {
        return copy(headerValuePosition, headerValueLength);
    }

    private byte[] copy(final int from, final int length) {
        if (length < 0) {
            return null;
        }
        final byte[] bytes = new byte[length];
        buffer.get(from, bytes);
        return bytes;
    }

    private String utf8(final int from, final int length) {
        final byte[] bytes = copy(from, length);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
