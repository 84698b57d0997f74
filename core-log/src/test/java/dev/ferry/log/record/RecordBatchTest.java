package dev.ferry.log.record;

import static dev.ferry.log.record.RecordBatchLayout.ATTRIBUTES_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.BATCH_LENGTH_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.HEADER_SIZE;
import static dev.ferry.log.record.RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.MAGIC_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.MAX_TIMESTAMP_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORDS_OFFSET;
import static dev.ferry.log.record.RecordBatchLayout.RECORD_COUNT_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.log.record.TestBatches.TestRecord;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    private static final int MAX_BATCH_BYTES = 1 << 20;
    private static final long BASE_TIMESTAMP_MS = 1_700_000_000_000L;

    private final RecordBatch batch = new RecordBatch();

    private static ByteBuffer threeRecordBatch() {
        final List<TestRecord> records = TestBatches.simpleRecords(3, BASE_TIMESTAMP_MS);
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(1024)).baseOffset(42L);
        return TestBatches.appendAll(builder, records).build();
    }

    @Test
    void shouldRoundTripEveryHeaderField() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(1024))
            .baseOffset(1000L)
            .leaderTerm(7L)
            .raftIndex(99L)
            .producerId(123_456_789L)
            .producerEpoch((short) 5)
            .baseSequence(17)
            .timestampType(TimestampType.LOG_APPEND_TIME)
            .compression(CompressionType.NONE);
        // The base timestamp is the first record's, the max is the largest, whatever the order.
        builder.append(BASE_TIMESTAMP_MS + 5, null, TestBatches.utf8("a"));
        builder.append(BASE_TIMESTAMP_MS + 9, null, TestBatches.utf8("b"));
        builder.append(BASE_TIMESTAMP_MS + 7, null, TestBatches.utf8("c"));
        final ByteBuffer buffer = builder.build();

        batch.wrap(buffer, 0);
        batch.ensureValid(MAX_BATCH_BYTES);

        assertThat(batch.baseOffset()).isEqualTo(1000L);
        assertThat(batch.lastOffset()).isEqualTo(1002L);
        assertThat(batch.nextOffset()).isEqualTo(1003L);
        assertThat(batch.sizeInBytes()).isEqualTo(buffer.limit());
        assertThat(batch.batchLength()).isEqualTo(buffer.limit() - RecordBatchLayout.LOG_OVERHEAD);
        assertThat(batch.leaderTerm()).isEqualTo(7L);
        assertThat(batch.raftIndex()).isEqualTo(99L);
        assertThat(batch.magic()).isEqualTo(RecordBatchLayout.CURRENT_MAGIC);
        assertThat(batch.crc()).isEqualTo(batch.computeCrc());
        assertThat(batch.attributes()).isEqualTo((short) RecordBatchLayout.TIMESTAMP_TYPE_MASK);
        assertThat(batch.compression()).isEqualTo(CompressionType.NONE);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(batch.lastOffsetDelta()).isEqualTo(2);
        assertThat(batch.baseTimestamp()).isEqualTo(BASE_TIMESTAMP_MS + 5);
        assertThat(batch.maxTimestamp()).isEqualTo(BASE_TIMESTAMP_MS + 9);
        assertThat(batch.producerId()).isEqualTo(123_456_789L);
        assertThat(batch.producerEpoch()).isEqualTo((short) 5);
        assertThat(batch.baseSequence()).isEqualTo(17);
        assertThat(batch.recordCount()).isEqualTo(3);
    }

    @Test
    void shouldDefaultUnsetFieldsToMinusOne() {
        batch.wrap(threeRecordBatch(), 0);

        assertThat(batch.leaderTerm()).isEqualTo(-1L);
        assertThat(batch.raftIndex()).isEqualTo(-1L);
        assertThat(batch.producerId()).isEqualTo(-1L);
        assertThat(batch.producerEpoch()).isEqualTo((short) -1);
        assertThat(batch.baseSequence()).isEqualTo(-1);
        assertThat(batch.timestampType()).isEqualTo(TimestampType.CREATE_TIME);
    }

    @Test
    void shouldKeepBatchValidAfterStampingBaseOffsetTermAndRaftIndex() {
        final ByteBuffer buffer = threeRecordBatch();
        batch.wrap(buffer, 0);
        final int crcBefore = batch.crc();

        batch.baseOffset(5_000_000_000L);
        batch.leaderTerm(12L);
        batch.raftIndex(345L);

        batch.ensureValid(MAX_BATCH_BYTES);
        assertThat(batch.crc()).isEqualTo(crcBefore);
        assertThat(batch.computeCrc()).isEqualTo(crcBefore);
        assertThat(batch.baseOffset()).isEqualTo(5_000_000_000L);
        assertThat(batch.leaderTerm()).isEqualTo(12L);
        assertThat(batch.raftIndex()).isEqualTo(345L);
        final RecordCursor cursor = new RecordCursor().reset(batch);
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.offset()).isEqualTo(5_000_000_001L);
    }

    @Test
    void shouldNotMoveBufferPositionOrLimitWhenWrappingValidatingAndReading() {
        final ByteBuffer heap = ByteBuffer.allocate(1024);
        heap.position(10);
        final ByteBuffer built = TestBatches.build(heap, TestBatches.simpleRecords(2, BASE_TIMESTAMP_MS));
        final ByteBuffer direct = ByteBuffer.allocateDirect(built.limit() + 20);
        direct.put(5, built, 0, built.limit());
        direct.position(3).limit(built.limit() + 5);

        for (final ByteBuffer buffer : List.of(heap, direct, direct.asReadOnlyBuffer())) {
            final int position = buffer.position();
            final int limit = buffer.limit();
            final int index = buffer == heap ? 10 : 5;
            batch.wrap(buffer, index).ensureValid(MAX_BATCH_BYTES);
            TestBatches.assertRecords(batch, TestBatches.simpleRecords(2, BASE_TIMESTAMP_MS));
            assertThat(buffer.position()).isEqualTo(position);
            assertThat(buffer.limit()).isEqualTo(limit);
        }
        assertThat(heap.position()).isEqualTo(10);
    }

    @Test
    void shouldWalkConcatenatedBatchesWithSizeAt() {
        final ByteBuffer log = ByteBuffer.allocate(4096);
        int expectedBatches = 0;
        for (int count = 1; count <= 4; count++) {
            final ByteBuffer one = TestBatches.build(TestBatches.simpleRecords(count, BASE_TIMESTAMP_MS));
            log.put(one);
            expectedBatches++;
        }
        log.flip();

        int index = 0;
        int batches = 0;
        long records = 0;
        while (index < log.limit()) {
            final int size = RecordBatch.sizeAt(log, index);
            batch.wrap(log, index).ensureValid(MAX_BATCH_BYTES);
            records += batch.recordCount();
            index += size;
            batches++;
        }
        assertThat(batches).isEqualTo(expectedBatches);
        assertThat(records).isEqualTo(1 + 2 + 3 + 4);
        assertThat(index).isEqualTo(log.limit());
    }

    @Test
    void shouldRejectLittleEndianBufferAndIndexOutOfRange() {
        final ByteBuffer little = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> batch.wrap(little, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("record batches are big-endian: order=LITTLE_ENDIAN");
        assertThatThrownBy(() -> batch.wrap(ByteBuffer.allocate(10), 11))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("index out of range: index=11, limit=10");
    }

    @Test
    void shouldRejectBatchWithFlippedByteInCrcRegionAsCrcMismatch() {
        final ByteBuffer buffer = threeRecordBatch();
        batch.wrap(buffer, 0);
        final int stored = batch.crc();
        buffer.put(RECORDS_OFFSET + 3, (byte) (buffer.get(RECORDS_OFFSET + 3) ^ 0x10));
        final int computed = batch.computeCrc();

        assertThat(computed).isNotEqualTo(stored);
        assertThatThrownBy(() -> batch.ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage(String.format("CRC mismatch: stored=0x%08x computed=0x%08x batchBaseOffset=42", stored,
                computed));
    }

    @Test
    void shouldRejectBufferShorterThanLogOverhead() {
        batch.wrap(ByteBuffer.allocate(20), 15);
        assertThatThrownBy(() -> batch.ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("truncated batch header: available=5, required=12");
        assertThatThrownBy(() -> RecordBatch.sizeAt(ByteBuffer.allocate(20), 15))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("truncated batch header: available=5, required=12");
    }

    @Test
    void shouldRejectBatchLengthBelowHeaderSize() {
        final ByteBuffer buffer = ByteBuffer.allocate(HEADER_SIZE);
        buffer.putInt(BATCH_LENGTH_OFFSET, 60);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("batch length too small: batchLength=60, minimum=61");
    }

    @Test
    void shouldRejectBatchOverMaxBatchBytesBeforeCheckingTruncation() {
        final ByteBuffer buffer = ByteBuffer.allocate(HEADER_SIZE);
        buffer.putInt(BATCH_LENGTH_OFFSET, 2_097_225);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(1_048_576))
            .isExactlyInstanceOf(BatchTooLargeException.class)
            .isInstanceOf(InvalidBatchException.class)
            .hasMessage("batch size 2097237 exceeds max.batch.bytes=1048576");

        buffer.putInt(BATCH_LENGTH_OFFSET, Integer.MAX_VALUE);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(Integer.MAX_VALUE))
            .isExactlyInstanceOf(BatchTooLargeException.class)
            .hasMessage("batch size 2147483659 exceeds max.batch.bytes=2147483647");
    }

    @Test
    void shouldRejectValidBatchLargerThanMaxBatchBytes() {
        final ByteBuffer buffer = threeRecordBatch();
        final int size = buffer.limit();
        batch.wrap(buffer, 0).ensureValid(size);
        assertThatThrownBy(() -> batch.ensureValid(size - 1))
            .isExactlyInstanceOf(BatchTooLargeException.class)
            .hasMessage("batch size " + size + " exceeds max.batch.bytes=" + (size - 1));
    }

    @Test
    void shouldRejectTruncatedBatch() {
        final ByteBuffer buffer = threeRecordBatch();
        final int size = buffer.limit();
        buffer.limit(size - 1);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("truncated batch: size=" + size + ", available=" + (size - 1));
        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("truncated batch: size=" + size + ", available=" + (size - 1));
    }

    @Test
    void shouldRejectBadMagic() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.put(MAGIC_OFFSET, (byte) 2);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("invalid magic: magic=2, expected=1, batchBaseOffset=42");
    }

    @Test
    void shouldRejectReservedAttributeBit() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putShort(ATTRIBUTES_OFFSET, (short) 0x0010);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("reserved attribute bits set: attributes=0x0010, batchBaseOffset=42");
    }

    @Test
    void shouldRejectUnknownCompressionCodec() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putShort(ATTRIBUTES_OFFSET, (short) 5);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("unknown compression codec: id=5");
    }

    @Test
    void shouldRejectCompressedSectionWhoseUncompressedSizeCannotHoldTheRecords() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putShort(ATTRIBUTES_OFFSET, (short) CompressionType.ZSTD.id());
        buffer.putInt(RECORDS_OFFSET, 3 * RecordBatchLayout.RECORD_MIN_SIZE - 1);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("uncompressed size too small: uncompressedSize=20, ")
            .hasMessageEndingWith("recordCount=3, compression=ZSTD, batchBaseOffset=42");
    }

    @Test
    void shouldRejectZeroRecordCount() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putInt(RECORD_COUNT_OFFSET, 0);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("invalid record count: recordCount=0, batchBaseOffset=42");
    }

    @Test
    void shouldRejectLastOffsetDeltaThatDisagreesWithRecordCount() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, 3);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("last offset delta mismatch: lastOffsetDelta=3, recordCount=3, batchBaseOffset=42");
    }

    @Test
    void shouldRejectMaxTimestampBeforeBaseTimestamp() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putLong(MAX_TIMESTAMP_OFFSET, BASE_TIMESTAMP_MS - 1);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("max timestamp before base timestamp: maxTimestamp=1699999999999, "
                + "baseTimestamp=1700000000000, batchBaseOffset=42");
    }

    @Test
    void shouldRejectRecordTimestampAfterMaxTimestamp() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putLong(MAX_TIMESTAMP_OFFSET, BASE_TIMESTAMP_MS + 1);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("record timestamp after max timestamp: recordIndex=2, timestamp=1700000000002, "
                + "maxTimestamp=1700000000001, batchBaseOffset=42");
    }

    @Test
    void shouldRejectHeaderRecordCountAboveRecordsFound() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putInt(RECORD_COUNT_OFFSET, 4);
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, 3);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("record count mismatch: header recordCount=4, found=3");
    }

    @Test
    void shouldRejectHeaderRecordCountBelowRecordsFound() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.putInt(RECORD_COUNT_OFFSET, 2);
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, 1);
        TestBatches.fixCrc(buffer, 0);
        final int thirdRecordSize = thirdRecordSize(buffer);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("trailing bytes after last record: recordCount=2, trailingBytes=" + thirdRecordSize
                + ", batchBaseOffset=42");
    }

    private static int thirdRecordSize(final ByteBuffer buffer) {
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(threeRecordBatch(), 0));
        cursor.next();
        cursor.next();
        return buffer.limit() - (cursor.valuePosition() + cursor.valueLength() + 1);
    }

    @Test
    void shouldRejectOffsetDeltaGap() {
        final ByteBuffer buffer = threeRecordBatch();
        final RecordCursor cursor = new RecordCursor().reset(batch.wrap(buffer, 0));
        cursor.next();
        cursor.next();
        // Record 1 has a 1-byte key length varint (2 = "k1".length) right after its 1-byte offset delta.
        final int offsetDeltaPosition = cursor.keyPosition() - 2;
        assertThat(buffer.get(offsetDeltaPosition)).isEqualTo((byte) 0x02);
        buffer.put(offsetDeltaPosition, (byte) 0x04);
        TestBatches.fixCrc(buffer, 0);

        assertThatThrownBy(() -> batch.ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("offset delta mismatch: recordIndex=1, offsetDelta=2, batchBaseOffset=42");
    }

    @Test
    void shouldRejectRecordLengthPastBatchEnd() {
        final ByteBuffer buffer = threeRecordBatch();
        // The first record's length is a 1-byte varint; 0x7e is zig-zag 63, more than the batch holds.
        buffer.put(RECORDS_OFFSET, (byte) 0x7e);
        TestBatches.fixCrc(buffer, 0);
        final int remaining = buffer.limit() - RECORDS_OFFSET - 1;
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("record length out of bounds: recordIndex=0, length=63, remaining=" + remaining
                + ", batchBaseOffset=42");
    }

    @Test
    void shouldRejectLengthVarintRunningPastBatchEnd() {
        final ByteBuffer original = threeRecordBatch();
        final ByteBuffer buffer = ByteBuffer.allocate(original.limit() + 1);
        buffer.put(original).put((byte) 0x80).flip();
        buffer.putInt(BATCH_LENGTH_OFFSET, buffer.getInt(BATCH_LENGTH_OFFSET) + 1);
        buffer.putInt(RECORD_COUNT_OFFSET, 4);
        buffer.putInt(LAST_OFFSET_DELTA_OFFSET, 3);
        TestBatches.fixCrc(buffer, 0);

        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: runs past limit: index=" + (buffer.limit() - 1) + ", limit="
                + buffer.limit());
    }

    @Test
    void shouldRejectKeyLengthPastRecordEnd() {
        final ByteBuffer buffer = threeRecordBatch();
        final RecordCursor cursor = new RecordCursor().reset(batch.wrap(buffer, 0));
        cursor.next();
        buffer.put(cursor.keyPosition() - 1, (byte) 0x7e);
        TestBatches.fixCrc(buffer, 0);
        final int recordEnd = cursor.valuePosition() + cursor.valueLength() + 1;
        assertThatThrownBy(() -> batch.ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("key length out of bounds: recordIndex=0, keyLength=63, remaining="
                + (recordEnd - cursor.keyPosition()) + ", batchBaseOffset=42");
    }

    @Test
    void shouldRejectReservedRecordAttributes() {
        final ByteBuffer buffer = threeRecordBatch();
        buffer.put(RECORDS_OFFSET + 1, (byte) 1);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> batch.wrap(buffer, 0).ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("reserved record attributes set: recordIndex=0, attributes=1, remaining=");
    }

    @Test
    void shouldRejectSizeAtWithLengthBeyondIntRange() {
        final ByteBuffer buffer = ByteBuffer.allocate(HEADER_SIZE);
        buffer.putInt(BATCH_LENGTH_OFFSET, Integer.MAX_VALUE);
        assertThatThrownBy(() -> RecordBatch.sizeAt(buffer, 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("batch length too large: batchLength=2147483647, maximum=2147483635");
        buffer.putInt(BATCH_LENGTH_OFFSET, 0);
        assertThatThrownBy(() -> RecordBatch.sizeAt(buffer, 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("batch length too small: batchLength=0, minimum=61");
    }

    @Test
    void shouldNotAllocateWhenValidatingAndIteratingARecordHeavyBatch() {
        final ByteBuffer heap = TestBatches.build(TestBatches.simpleRecords(500, BASE_TIMESTAMP_MS));
        final ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit()).put(heap.duplicate()).flip();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final RecordCursor cursor = new RecordCursor();
        long checksum = 0;
        for (final ByteBuffer buffer : List.of(heap, direct)) {
            for (int warmup = 0; warmup < 3; warmup++) {
                checksum += validateAndIterate(batch.wrap(buffer, 0), cursor);
            }
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < 50; i++) {
                checksum += validateAndIterate(batch.wrap(buffer, 0), cursor);
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            // 50 batches x 500 records: a single allocation per record would show as megabytes.
            assertThat(allocated).as("bytes allocated for 25,000 records").isLessThan(4096);
        }
        assertThat(checksum).isPositive();
    }

    private static long validateAndIterate(final RecordBatch batch, final RecordCursor cursor) {
        batch.ensureValid(MAX_BATCH_BYTES);
        long sum = 0;
        cursor.reset(batch);
        while (cursor.next()) {
            sum += cursor.offset() + cursor.valueLength() + cursor.buffer().get(cursor.valuePosition());
        }
        return sum;
    }
}
