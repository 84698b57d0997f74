package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCursorTest {

    @Test
    void shouldExposeAbsolutePositionsOfKeyValueAndHeaders() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256)).baseOffset(500L);
        builder.append(77L, TestBatches.utf8("key"), TestBatches.utf8("value"),
            new Header("h1", TestBatches.utf8("one")), new Header("h2", null));
        final ByteBuffer buffer = builder.build();
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buffer, 0));

        assertThat(cursor.next()).isTrue();
        assertThat(cursor.buffer()).isSameAs(buffer);
        assertThat(cursor.offset()).isEqualTo(500L);
        assertThat(cursor.timestamp()).isEqualTo(77L);
        assertThat(text(buffer, cursor.keyPosition(), cursor.keyLength())).isEqualTo("key");
        assertThat(text(buffer, cursor.valuePosition(), cursor.valueLength())).isEqualTo("value");
        assertThat(cursor.headerCount()).isEqualTo(2);
        assertThat(cursor.nextHeader()).isTrue();
        assertThat(text(buffer, cursor.headerKeyPosition(), cursor.headerKeyLength())).isEqualTo("h1");
        assertThat(text(buffer, cursor.headerValuePosition(), cursor.headerValueLength())).isEqualTo("one");
        assertThat(cursor.nextHeader()).isTrue();
        assertThat(cursor.headerKey()).isEqualTo("h2");
        assertThat(cursor.headerValueLength()).isEqualTo(-1);
        assertThat(cursor.headerValue()).isNull();
        assertThat(cursor.nextHeader()).isFalse();
        assertThat(cursor.next()).isFalse();
        assertThat(cursor.next()).isFalse();
    }

    @Test
    void shouldBeReusableAcrossBatches() {
        final RecordCursor cursor = new RecordCursor();
        final RecordBatch batch = new RecordBatch();
        for (int count = 1; count <= 3; count++) {
            final List<TestBatches.TestRecord> records = TestBatches.simpleRecords(count, 100L * count);
            TestBatches.assertRecords(batch.wrap(TestBatches.build(records), 0), records);
            cursor.reset(batch);
            int seen = 0;
            while (cursor.next()) {
                assertThat(cursor.keyString()).isEqualTo("k" + seen);
                seen++;
            }
            assertThat(seen).isEqualTo(count);
        }
    }

    @Test
    void shouldRejectUncompressedRecordsLabelledAsCompressed() {
        final ByteBuffer buffer = TestBatches.build(TestBatches.simpleRecords(3, 0L));
        buffer.putShort(RecordBatchLayout.ATTRIBUTES_OFFSET, (short) CompressionType.SNAPPY.id());
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);
        // The first record's length varint and attributes read as an uncompressed size of about 500 MB.
        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(BatchTooLargeException.class)
            .hasMessageStartingWith("uncompressed size ")
            .hasMessageEndingWith(" exceeds maxUncompressedBytes=67108864: compression=SNAPPY, batchBaseOffset=0");

        buffer.putInt(RecordBatchLayout.RECORDS_OFFSET, 100);
        TestBatches.fixCrc(buffer, 0);
        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("corrupt compressed records: compression=SNAPPY, batchBaseOffset=0, problem=");
    }

    @Test
    void shouldRejectMalformedRecordsDuringNextEvenWithoutEnsureValid() {
        final ByteBuffer buffer = TestBatches.build(TestBatches.simpleRecords(2, 0L));
        buffer.putInt(RecordBatchLayout.RECORD_COUNT_OFFSET, 3);
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(buffer, 0));
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.next()).isTrue();
        assertThatThrownBy(cursor::next)
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("record count mismatch: header recordCount=3, found=2");
    }

    private static String text(final ByteBuffer buffer, final int position, final int length) {
        final byte[] bytes = new byte[length];
        buffer.get(position, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
