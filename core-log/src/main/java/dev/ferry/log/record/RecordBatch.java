package dev.ferry.log.record;

import static dev.ferry.log.record.RecordBatchLayout.ATTRIBUTES_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_OFFSET_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_SEQUENCE_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BASE_TIMESTAMP_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BATCH_LENGTH_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.COMPRESSION_CODEC_MASK;
import static dev.ferry.log.record.RecordBatchLayout.CRC_COVERAGE_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.CRC_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.CURRENT_MAGIC;
import static dev.ferry.log.record.RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.LEADER_TERM_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.LOG_OVERHEAD;
import static dev.ferry.log.record.RecordBatchLayout.MAGIC_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.MAX_TIMESTAMP_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.MIN_BATCH_LENGTH;
import static dev.ferry.log.record.RecordBatchLayout.PRODUCER_EPOCH_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.PRODUCER_ID_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RAFT_INDEX_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORDS_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_COUNT_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_MIN_SIZE;
import static dev.ferry.log.record.RecordBatchLayout.RESERVED_ATTRIBUTES_MASK;
import static dev.ferry.log.record.RecordBatchLayout.TIMESTAMP_TYPE_MASK;
import static dev.ferry.log.record.RecordBatchLayout.UNCOMPRESSED_SIZE_LENGTH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * A reusable flyweight over one record batch at an absolute index of a {@link ByteBuffer} (layout in
 * {@link RecordBatchLayout}). Accessors read fields in place and do no validation, so they are cheap but
 * may return garbage for damaged bytes; {@link #ensureValid(int)} runs wherever untrusted bytes come in
 * (produce, replication, recovery). The stamped fields (base offset, leader term, Raft index) can be set
 * in place; they lie outside the CRC'd region, so the batch stays valid.
 *
 * <p>Neither wrapping nor any method changes the buffer's position or limit. Accessors,
 * {@link #computeCrc()} and {@link #ensureValid(int)} allocate nothing, except that the first CRC over a
 * newly wrapped buffer without an accessible array creates one private view of it (kept while the same
 * buffer is wrapped again) and the first {@code ensureValid} creates the validation cursor.
 *
 * <p>Not thread-safe: use one instance per thread. Several instances may read the same buffer
 * concurrently, as long as nobody writes it.
 */
public final class RecordBatch {

    private static final int UNSIGNED_SHORT_MASK = 0xFFFF;

    private final CRC32C crc32c = new CRC32C();
    private ByteBuffer buffer;
    private int index;
    private ByteBuffer crcView;
    private ByteBuffer crcViewSource;
    private RecordCursor validationCursor;

    /**
     * Creates an unwrapped flyweight; call {@link #wrap(ByteBuffer, int)} before anything else.
     */
    public RecordBatch() {
    }

    /**
     * Points this flyweight at the batch starting at {@code index}. The batch extends to
     * {@code index + LOG_OVERHEAD + batchLength}. Nothing is validated beyond the arguments.
     *
     * @param buffer a big-endian buffer holding the batch; its position and limit are never changed.
     * @param index absolute index of the batch's first byte, between 0 and the buffer's limit.
     * @return this flyweight.
     * @throws IllegalArgumentException if the buffer is little-endian or the index is out of range.
     */
    public RecordBatch wrap(final ByteBuffer buffer, final int index) {
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException("record batches are big-endian: order=" + buffer.order());
        }
        if (index < 0 || index > buffer.limit()) {
            throw new IllegalArgumentException("index out of range: index=" + index + ", limit=" + buffer.limit());
        }
        this.buffer = buffer;
        this.index = index;
        return this;
    }

    /**
     * Returns the size of the batch starting at {@code index}, for walking concatenated batches. Reads only
     * the length field; call {@link #ensureValid(int)} before trusting the rest.
     *
     * @param buffer the buffer (either byte order; the field is read as big-endian).
     * @param index absolute index of the batch's first byte.
     * @return the batch size in bytes, {@code LOG_OVERHEAD + batchLength}.
     * @throws CorruptBatchException if fewer than {@code LOG_OVERHEAD} bytes remain before the limit or the
     *     length field is below the header size or beyond {@code Integer.MAX_VALUE}.
     */
    public static int sizeAt(final ByteBuffer buffer, final int index) {
        final long available = (long) buffer.limit() - index;
        if (index < 0 || available < LOG_OVERHEAD) {
            throw new CorruptBatchException("truncated batch header: available=" + available
                + ", required=" + LOG_OVERHEAD);
        }
        int batchLength = buffer.getInt(index + BATCH_LENGTH_OFFSET);
        if (buffer.order() != ByteOrder.BIG_ENDIAN) {
            batchLength = Integer.reverseBytes(batchLength);
        }
        if (batchLength < MIN_BATCH_LENGTH) {
            throw tooShort(batchLength);
        }
        if (batchLength > Integer.MAX_VALUE - LOG_OVERHEAD) {
            throw new CorruptBatchException("batch length too large: batchLength=" + batchLength
                + ", maximum=" + (Integer.MAX_VALUE - LOG_OVERHEAD));
        }
        return batchLength + LOG_OVERHEAD;
    }

    /**
     * Validates the wrapped batch, in this order: the batch header is available, the length is at least
     * the header size, the size is within {@code maxBatchBytes}, the whole batch is inside the buffer's
     * limit, the magic, the CRC, the attributes, the record count against the last offset delta, the max
     * timestamp against the base timestamp, and, for uncompressed batches, every record (see
     * {@link RecordCursor#next()}): exactly {@code recordCount} records ending exactly at the batch end.
     * Compressed batches are not decompressed: the CRC covers the compressed bytes, and only the section's
     * uncompressed-size prefix is checked; readers find damaged payloads when they decompress.
     * Allocates nothing on success.
     *
     * @param maxBatchBytes the largest batch size accepted, {@code max.batch.bytes}.
     * @throws BatchTooLargeException if the size exceeds {@code maxBatchBytes}.
     * @throws CorruptBatchException for any other problem; the message names the values.
     */
    public void ensureValid(final int maxBatchBytes) {
        final long available = (long) buffer.limit() - index;
        if (available < LOG_OVERHEAD) {
            throw new CorruptBatchException("truncated batch header: available=" + available
                + ", required=" + LOG_OVERHEAD);
        }
        final int batchLength = batchLength();
        if (batchLength < MIN_BATCH_LENGTH) {
            throw tooShort(batchLength);
        }
        final long size = (long) batchLength + LOG_OVERHEAD;
        if (size > maxBatchBytes) {
            throw new BatchTooLargeException("batch size " + size + " exceeds max.batch.bytes=" + maxBatchBytes);
        }
        if (size > available) {
            throw new CorruptBatchException("truncated batch: size=" + size + ", available=" + available);
        }
        ensureValidHeader();
        if (compression() == CompressionType.NONE) {
            if (validationCursor == null) {
                validationCursor = new RecordCursor();
            }
            final RecordCursor cursor = validationCursor.reset(this);
            while (cursor.next()) {
                // next() checks each record, and its final call checks that the records end at the batch end.
                continue;
            }
        } else {
            // The CRC already covers the compressed bytes; decompressing here would cost the broker CPU on
            // every produce and replication write, so only the section's framing is checked.
            checkedUncompressedSize(buffer, index, (int) size, recordCount(), compression(), baseOffset());
        }
    }

    /**
     * Reads and checks the uncompressed size that starts a compressed records section: the section holds
     * it and at least one payload byte, and it leaves room for {@code recordCount} records of the smallest
     * size. Allocates nothing on success.
     */
    static int checkedUncompressedSize(final ByteBuffer buffer, final int start, final int size,
                                       final int recordCount, final CompressionType compression,
                                       final long batchBaseOffset) {
        if (size - RECORDS_OFFSET - UNCOMPRESSED_SIZE_LENGTH < 1) {
            throw new CorruptBatchException("compressed records section too short: size=" + size + ", compression="
                + compression + ", batchBaseOffset=" + batchBaseOffset);
        }
        final int uncompressedSize = buffer.getInt(start + RECORDS_OFFSET);
        if (uncompressedSize < (long) Math.max(recordCount, 1) * RECORD_MIN_SIZE) {
            throw new CorruptBatchException("uncompressed size too small: uncompressedSize=" + uncompressedSize
                + ", recordCount=" + recordCount + ", compression=" + compression + ", batchBaseOffset="
                + batchBaseOffset);
        }
        return uncompressedSize;
    }

    private void ensureValidHeader() {
        final byte magic = magic();
        if (magic != CURRENT_MAGIC) {
            throw new CorruptBatchException("invalid magic: magic=" + magic + ", expected=" + CURRENT_MAGIC
                + ", batchBaseOffset=" + baseOffset());
        }
        final int stored = crc();
        final int computed = computeCrc();
        if (stored != computed) {
            throw new CorruptBatchException(String.format(
                "CRC mismatch: stored=0x%08x computed=0x%08x batchBaseOffset=%d", stored, computed, baseOffset()));
        }
        final int attributes = attributes() & UNSIGNED_SHORT_MASK;
        if ((attributes & RESERVED_ATTRIBUTES_MASK) != 0) {
            throw new CorruptBatchException(String.format("reserved attribute bits set: attributes=0x%04x, "
                + "batchBaseOffset=%d", attributes, baseOffset()));
        }
        CompressionType.forId(attributes & COMPRESSION_CODEC_MASK);
        final int recordCount = recordCount();
        if (recordCount < 1) {
            throw new CorruptBatchException("invalid record count: recordCount=" + recordCount
                + ", batchBaseOffset=" + baseOffset());
        }
        final int lastOffsetDelta = lastOffsetDelta();
        if (lastOffsetDelta != recordCount - 1) {
            throw new CorruptBatchException("last offset delta mismatch: lastOffsetDelta=" + lastOffsetDelta
                + ", recordCount=" + recordCount + ", batchBaseOffset=" + baseOffset());
        }
        final long baseTimestamp = baseTimestamp();
        final long maxTimestamp = maxTimestamp();
        if (maxTimestamp < baseTimestamp) {
            throw new CorruptBatchException("max timestamp before base timestamp: maxTimestamp=" + maxTimestamp
                + ", baseTimestamp=" + baseTimestamp + ", batchBaseOffset=" + baseOffset());
        }
    }

    private static CorruptBatchException tooShort(final int batchLength) {
        return new CorruptBatchException("batch length too small: batchLength=" + batchLength
            + ", minimum=" + MIN_BATCH_LENGTH);
    }

    /**
     * Computes the CRC32C of {@code [CRC_COVERAGE_OFFSET, end of batch)}; compare with {@link #crc()}.
     * Trusts the length field, so check the size first (as {@link #ensureValid(int)} does).
     *
     * @return the CRC32C as stored in the crc field (the low 32 bits).
     */
    public int computeCrc() {
        final int from = index + CRC_COVERAGE_OFFSET;
        final int to = index + sizeInBytes();
        if (buffer.hasArray()) {
            return crc32c(crc32c, buffer, from, to);
        }
        if (crcViewSource != buffer) {
            // CRC32C.update(ByteBuffer) moves the position, and the wrapped buffer may be shared with other
            // readers, so it runs over a private view; creating it once per distinct buffer keeps this
            // allocation-free when a segment's mapped buffer is wrapped batch after batch.
            crcView = buffer.duplicate();
            crcViewSource = buffer;
        }
        return crc32c(crc32c, crcView, from, to);
    }

    /**
     * Computes a CRC32C over {@code [from, to)} of a buffer. For a buffer without an accessible array this
     * moves its position and limit, so the caller must own it.
     */
    static int crc32c(final CRC32C crc, final ByteBuffer privateView, final int from, final int to) {
        crc.reset();
        if (privateView.hasArray()) {
            crc.update(privateView.array(), privateView.arrayOffset() + from, to - from);
        } else {
            privateView.clear();
            privateView.limit(to).position(from);
            crc.update(privateView);
        }
        return (int) crc.getValue();
    }

    /**
     * Returns the wrapped buffer.
     *
     * @return the buffer passed to {@link #wrap(ByteBuffer, int)}.
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Returns the absolute index of the batch in the buffer.
     *
     * @return the index passed to {@link #wrap(ByteBuffer, int)}.
     */
    public int index() {
        return index;
    }

    /**
     * Returns the offset of the first record, stamped by the log.
     *
     * @return the base offset.
     */
    public long baseOffset() {
        return buffer.getLong(index + BASE_OFFSET_OFFSET);
    }

    /**
     * Stamps the base offset in place. Outside the CRC'd region, so the CRC stays valid.
     *
     * @param baseOffset the offset of the first record.
     * @throws java.nio.ReadOnlyBufferException if the buffer is read-only.
     */
    public void baseOffset(final long baseOffset) {
        buffer.putLong(index + BASE_OFFSET_OFFSET, baseOffset);
    }

    /**
     * Returns the offset of the last record.
     *
     * @return {@code baseOffset() + lastOffsetDelta()}.
     */
    public long lastOffset() {
        return baseOffset() + lastOffsetDelta();
    }

    /**
     * Returns the offset the next batch will get.
     *
     * @return {@code lastOffset() + 1}.
     */
    public long nextOffset() {
        return lastOffset() + 1;
    }

    /**
     * Returns the length field: the bytes after it.
     *
     * @return the batch length, {@code sizeInBytes() - LOG_OVERHEAD}.
     */
    public int batchLength() {
        return buffer.getInt(index + BATCH_LENGTH_OFFSET);
    }

    /**
     * Returns the whole batch's size.
     *
     * @return {@code LOG_OVERHEAD + batchLength()} in bytes.
     */
    public int sizeInBytes() {
        return LOG_OVERHEAD + batchLength();
    }

    /**
     * Returns the Raft term of the leader that appended the batch.
     *
     * @return the term, or {@link RecordBatchLayout#NO_TERM}.
     */
    public long leaderTerm() {
        return buffer.getLong(index + LEADER_TERM_OFFSET);
    }

    /**
     * Stamps the leader term in place. Outside the CRC'd region, so the CRC stays valid.
     *
     * @param leaderTerm the Raft term.
     * @throws java.nio.ReadOnlyBufferException if the buffer is read-only.
     */
    public void leaderTerm(final long leaderTerm) {
        buffer.putLong(index + LEADER_TERM_OFFSET, leaderTerm);
    }

    /**
     * Returns the Raft log index of the entry that carried the batch.
     *
     * @return the index, or {@link RecordBatchLayout#NO_RAFT_INDEX}.
     */
    public long raftIndex() {
        return buffer.getLong(index + RAFT_INDEX_OFFSET);
    }

    /**
     * Stamps the Raft index in place. Outside the CRC'd region, so the CRC stays valid.
     *
     * @param raftIndex the Raft log index.
     * @throws java.nio.ReadOnlyBufferException if the buffer is read-only.
     */
    public void raftIndex(final long raftIndex) {
        buffer.putLong(index + RAFT_INDEX_OFFSET, raftIndex);
    }

    /**
     * Returns the format version byte.
     *
     * @return the magic; {@link RecordBatchLayout#CURRENT_MAGIC} for a valid batch.
     */
    public byte magic() {
        return buffer.get(index + MAGIC_OFFSET);
    }

    /**
     * Returns the stored CRC32C.
     *
     * @return the crc field (an unsigned 32-bit value in an int).
     */
    public int crc() {
        return buffer.getInt(index + CRC_OFFSET);
    }

    /**
     * Returns the raw attributes.
     *
     * @return the attributes field.
     */
    public short attributes() {
        return buffer.getShort(index + ATTRIBUTES_OFFSET);
    }

    /**
     * Returns the compression codec from attribute bits 0-2.
     *
     * @return the codec.
     * @throws CorruptBatchException if the codec id is unknown.
     */
    public CompressionType compression() {
        return CompressionType.forId(attributes() & COMPRESSION_CODEC_MASK);
    }

    /**
     * Returns the timestamp type from attribute bit 3.
     *
     * @return the timestamp type.
     */
    public TimestampType timestampType() {
        return (attributes() & TIMESTAMP_TYPE_MASK) == 0 ? TimestampType.CREATE_TIME : TimestampType.LOG_APPEND_TIME;
    }

    /**
     * Returns the last record's offset relative to the base offset.
     *
     * @return the last offset delta, {@code recordCount() - 1} for a valid batch.
     */
    public int lastOffsetDelta() {
        return buffer.getInt(index + LAST_OFFSET_DELTA_OFFSET);
    }

    /**
     * Returns the first record's timestamp.
     *
     * @return the base timestamp in ms.
     */
    public long baseTimestamp() {
        return buffer.getLong(index + BASE_TIMESTAMP_OFFSET);
    }

    /**
     * Returns the largest record timestamp.
     *
     * @return the max timestamp in ms.
     */
    public long maxTimestamp() {
        return buffer.getLong(index + MAX_TIMESTAMP_OFFSET);
    }

    /**
     * Returns the idempotent producer's id.
     *
     * @return the producer id, or {@link RecordBatchLayout#NO_PRODUCER_ID}.
     */
    public long producerId() {
        return buffer.getLong(index + PRODUCER_ID_OFFSET);
    }

    /**
     * Returns the idempotent producer's epoch.
     *
     * @return the producer epoch, or {@link RecordBatchLayout#NO_PRODUCER_EPOCH}.
     */
    public short producerEpoch() {
        return buffer.getShort(index + PRODUCER_EPOCH_OFFSET);
    }

    /**
     * Returns the producer sequence number of the first record.
     *
     * @return the base sequence, or {@link RecordBatchLayout#NO_SEQUENCE}.
     */
    public int baseSequence() {
        return buffer.getInt(index + BASE_SEQUENCE_OFFSET);
    }

    /**
     * Returns the number of records.
     *
     * @return the record count, at least 1 for a valid batch.
     */
    public int recordCount() {
        return buffer.getInt(index + RECORD_COUNT_OFFSET);
    }
}
