package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.log.record.TestBatches.TestRecord;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBatchBuilderTest {

    private static final int MAX_BATCH_BYTES = 1 << 20;

    @Test
    void shouldRoundTripNullKeyNullValueEmptyValueAndHeaders() {
        final List<TestRecord> records = List.of(
            new TestRecord(10L, null, null, List.of()),
            new TestRecord(11L, new byte[0], new byte[0], List.of()),
            new TestRecord(9L, TestBatches.utf8("key"), null,
                List.of(new Header("trace-id", TestBatches.utf8("abc")), new Header("empty", new byte[0]),
                    new Header("null", null), new Header("", TestBatches.utf8("x")),
                    new Header("caf\u00e9 \ud83d\ude80", new byte[] {1, 2, 3}))),
            new TestRecord(12L, null, TestBatches.utf8("value"), List.of(new Header("h", null))));
        final ByteBuffer buffer = TestBatches.build(records);

        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);
        batch.ensureValid(MAX_BATCH_BYTES);

        assertThat(batch.recordCount()).isEqualTo(4);
        assertThat(batch.baseTimestamp()).isEqualTo(10L);
        assertThat(batch.maxTimestamp()).isEqualTo(12L);
        TestBatches.assertRecords(batch, records);
    }

    @Test
    void shouldAppendByteBufferKeysAndValuesWithoutMovingTheirPositions() {
        final ByteBuffer key = ByteBuffer.wrap(TestBatches.utf8("xxkeyxx")).position(2).limit(5);
        final ByteBuffer value = ByteBuffer.allocateDirect(8).put(TestBatches.utf8("payload!")).flip().position(1);
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocateDirect(256));

        assertThat(builder.hasRoomFor(5L, key, value)).isTrue();
        builder.append(5L, key, value);
        builder.append(6L, (ByteBuffer) null, null, new Header("h", new byte[] {7}));
        final ByteBuffer built = builder.build();

        assertThat(key.position()).isEqualTo(2);
        assertThat(value.position()).isEqualTo(1);
        final RecordBatch batch = new RecordBatch().wrap(built, 0);
        batch.ensureValid(MAX_BATCH_BYTES);
        final RecordCursor cursor = new RecordCursor().reset(batch);
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.keyString()).isEqualTo("key");
        assertThat(cursor.valueString()).isEqualTo("ayload!");
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.keyString()).isNull();
        assertThat(cursor.valueString()).isNull();
        assertThat(cursor.nextHeader()).isTrue();
        assertThat(cursor.headerKey()).isEqualTo("h");
        assertThat(cursor.headerValue()).containsExactly(7);
        assertThat(cursor.next()).isFalse();
    }

    @Test
    void shouldBuildAtTheBufferPositionAndReturnAZeroBasedSlice() {
        final ByteBuffer target = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        target.position(100).limit(400);
        final RecordBatchBuilder builder = new RecordBatchBuilder(target);
        TestBatches.appendAll(builder, TestBatches.simpleRecords(3, 1000L));
        final int estimated = builder.estimatedSizeInBytes();

        final ByteBuffer built = builder.build();

        assertThat(built.position()).isZero();
        assertThat(built.limit()).isEqualTo(estimated).isEqualTo(built.capacity());
        assertThat(built.order()).isEqualTo(ByteOrder.BIG_ENDIAN);
        assertThat(target.position()).isEqualTo(100);
        assertThat(target.limit()).isEqualTo(400);
        assertThat(target.get(100 + RecordBatchLayout.MAGIC_OFFSET)).isEqualTo(RecordBatchLayout.CURRENT_MAGIC);
        new RecordBatch().wrap(built, 0).ensureValid(MAX_BATCH_BYTES);
        new RecordBatch().wrap(target.duplicate().order(ByteOrder.BIG_ENDIAN), 100).ensureValid(MAX_BATCH_BYTES);
    }

    @Test
    void shouldTrackRecordCountAndExactSize() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(1024));
        assertThat(builder.recordCount()).isZero();
        assertThat(builder.estimatedSizeInBytes()).isEqualTo(RecordBatchLayout.HEADER_SIZE);
        builder.append(1L, TestBatches.utf8("k"), TestBatches.utf8("v"));
        assertThat(builder.recordCount()).isEqualTo(1);
        // length(1) + attributes(1) + tsDelta(1) + offsetDelta(1) + keyLen(1) + key(1) + valueLen(1) + value(1)
        // + headerCount(1) = 9 bytes.
        assertThat(builder.estimatedSizeInBytes()).isEqualTo(RecordBatchLayout.HEADER_SIZE + 9);
        assertThat(builder.build().limit()).isEqualTo(RecordBatchLayout.HEADER_SIZE + 9);
    }

    @Test
    void shouldFillExactlyToTheLimitAndRefuseTheNextRecord() {
        final RecordBatchBuilder builder =
            new RecordBatchBuilder(ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE + 18));
        final byte[] one = {1};
        assertThat(builder.hasRoomFor(1L, one, one)).isTrue();
        builder.append(1L, one, one);
        assertThat(builder.hasRoomFor(1L, one, one)).isTrue();
        builder.append(1L, one, one);
        assertThat(builder.hasRoomFor(1L, null, null)).isFalse();
        assertThat(builder.hasRoomFor(1L, (ByteBuffer) null, null)).isFalse();

        assertThatThrownBy(() -> builder.append(1L, one, one))
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("no room for record: recordSize=9, remaining=0, compression=NONE, recordCount=2");
        assertThat(builder.recordCount()).isEqualTo(2);
        new RecordBatch().wrap(builder.build(), 0).ensureValid(MAX_BATCH_BYTES);
    }

    @Test
    void shouldThrowWhenBuildingTwiceOrAppendingAfterBuild() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256));
        builder.append(1L, null, TestBatches.utf8("v"));
        builder.build();

        assertThatThrownBy(builder::build)
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("batch already built: recordCount=1");
        assertThatThrownBy(() -> builder.append(2L, null, null))
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("batch already built: recordCount=1");
        assertThatThrownBy(() -> builder.producerId(3L))
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("batch already built: recordCount=1");
        assertThat(builder.hasRoomFor(2L, null, null)).isFalse();
    }

    @Test
    void shouldRefuseToBuildAnEmptyBatch() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256));
        assertThatThrownBy(builder::build)
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("cannot build an empty batch: recordCount=0");
    }

    @Test
    void shouldRefuseOptionsAfterTheFirstAppend() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256));
        builder.append(1L, null, null);
        assertThatThrownBy(() -> builder.baseSequence(4))
            .isExactlyInstanceOf(IllegalStateException.class)
            .hasMessage("options must be set before the first append: recordCount=1");
    }

    @Test
    void shouldRejectCompressionScratchWithoutAWritableArray() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256));
        assertThatThrownBy(() -> builder.compression(CompressionType.LZ4, ByteBuffer.allocateDirect(256)))
            .isExactlyInstanceOf(IllegalArgumentException.class)
            .hasMessage("compression needs a writable heap scratch buffer: compression=LZ4");
        assertThatThrownBy(() -> builder.compression(CompressionType.ZSTD, ByteBuffer.allocate(256).asReadOnlyBuffer()))
            .isExactlyInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.compression(CompressionType.SNAPPY, null))
            .isExactlyInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectReadOnlyOrTooSmallTargets() {
        assertThatThrownBy(() -> new RecordBatchBuilder(ByteBuffer.allocate(256).asReadOnlyBuffer()))
            .isExactlyInstanceOf(IllegalArgumentException.class)
            .hasMessage("buffer is read-only");
        assertThatThrownBy(() -> new RecordBatchBuilder(ByteBuffer.allocate(72)))
            .isExactlyInstanceOf(IllegalArgumentException.class)
            .hasMessage("buffer too small for a batch: remaining=72, headerSize=73");
    }

    @Test
    void shouldRoundTripExtremeTimestampsThroughWrappingDeltas() {
        final List<TestRecord> records = List.of(
            new TestRecord(Long.MIN_VALUE, "a", "1"),
            new TestRecord(Long.MAX_VALUE, "b", "2"),
            new TestRecord(0L, "c", "3"));
        final RecordBatch batch = new RecordBatch().wrap(TestBatches.build(records), 0);
        batch.ensureValid(MAX_BATCH_BYTES);
        assertThat(batch.baseTimestamp()).isEqualTo(Long.MIN_VALUE);
        assertThat(batch.maxTimestamp()).isEqualTo(Long.MAX_VALUE);
        TestBatches.assertRecords(batch, records);
    }

    @Test
    void shouldNotAllocatePerAppendedRecord() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final byte[] key = TestBatches.utf8("key");
        final ByteBuffer value = ByteBuffer.allocateDirect(100);
        final Header[] headers = {new Header("trace-\u00e9", new byte[] {1})};
        final ByteBuffer target = ByteBuffer.allocateDirect(1 << 20);
        for (int round = 0; round < 4; round++) {
            final RecordBatchBuilder builder = new RecordBatchBuilder(target);
            final long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < 2_000; i++) {
                builder.append(1_000L + i, key, key);
                builder.append(1_000L + i, null, value, headers);
            }
            final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
            assertThat(allocated).as("bytes allocated for 4,000 appends").isLessThan(4096);
            new RecordBatch().wrap(builder.build(), 0).ensureValid(1 << 20);
        }
    }
}
