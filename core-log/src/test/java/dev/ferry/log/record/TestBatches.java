package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builders, fix-ups and assertions shared by the record tests. Not thread-safe. */
final class TestBatches {

    /** One record as a test models it. */
    record TestRecord(long timestampMs, byte[] key, byte[] value, List<Header> headers) {

        TestRecord(final long timestampMs, final String key, final String value) {
            this(timestampMs, utf8(key), utf8(value), List.of());
        }

        Header[] headerArray() {
            return headers.toArray(new Header[0]);
        }

        int maxEncodedSize() {
            int size = 64 + length(key) + length(value);
            for (final Header header : headers) {
                size += 16 + 3 * header.key().length() + length(header.value());
            }
            return size;
        }

        @Override
        public String toString() {
            return "TestRecord(ts=" + timestampMs + ", key=" + Arrays.toString(key) + ", value="
                + (value == null ? "null" : value.length + " bytes") + ", headers=" + headers.size() + ")";
        }
    }

    private TestBatches() {
    }

    static byte[] utf8(final String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }

    static int length(final byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    static int capacityFor(final List<TestRecord> records) {
        int capacity = RecordBatchLayout.HEADER_SIZE;
        for (final TestRecord record : records) {
            capacity += record.maxEncodedSize();
        }
        return capacity;
    }

    /** Builds the records into a fresh heap buffer and returns the batch view. */
    static ByteBuffer build(final List<TestRecord> records) {
        return build(ByteBuffer.allocate(capacityFor(records)), records);
    }

    static ByteBuffer build(final ByteBuffer target, final List<TestRecord> records) {
        return appendAll(new RecordBatchBuilder(target), records).build();
    }

    static RecordBatchBuilder appendAll(final RecordBatchBuilder builder, final List<TestRecord> records) {
        for (final TestRecord record : records) {
            builder.append(record.timestampMs(), record.key(), record.value(), record.headerArray());
        }
        return builder;
    }

    static List<TestRecord> simpleRecords(final int count, final long firstTimestampMs) {
        final List<TestRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(new TestRecord(firstTimestampMs + i, "k" + i, "value-" + i));
        }
        return records;
    }

    /** Rewrites the CRC of the batch at {@code index} after a test changed bytes inside the CRC'd region. */
    static void fixCrc(final ByteBuffer buffer, final int index) {
        final RecordBatch batch = new RecordBatch().wrap(buffer, index);
        buffer.putInt(index + RecordBatchLayout.CRC_OFFSET, batch.computeCrc());
    }

    /** Reads every record through a cursor and compares it field by field with the model. */
    static void assertRecords(final RecordBatch batch, final List<TestRecord> expected) {
        final RecordCursor cursor = new RecordCursor().reset(batch);
        for (int i = 0; i < expected.size(); i++) {
            final TestRecord record = expected.get(i);
            assertThat(cursor.next()).as("next() for record %d", i).isTrue();
            assertThat(cursor.offset()).isEqualTo(batch.baseOffset() + i);
            assertThat(cursor.offsetDelta()).isEqualTo(i);
            assertThat(cursor.timestamp()).isEqualTo(record.timestampMs());
            assertThat(cursor.key()).isEqualTo(record.key());
            assertThat(cursor.value()).isEqualTo(record.value());
            assertThat(cursor.keyLength()).isEqualTo(record.key() == null ? -1 : record.key().length);
            assertThat(cursor.valueLength()).isEqualTo(record.value() == null ? -1 : record.value().length);
            assertThat(cursor.headerCount()).isEqualTo(record.headers().size());
            for (final Header header : record.headers()) {
                assertThat(cursor.nextHeader()).isTrue();
                assertThat(cursor.headerKey()).isEqualTo(header.key());
                assertThat(cursor.headerValue()).isEqualTo(header.value());
            }
            assertThat(cursor.nextHeader()).isFalse();
        }
        assertThat(cursor.next()).isFalse();
    }

    static String hex(final ByteBuffer buffer) {
        final StringBuilder out = new StringBuilder();
        for (int i = buffer.position(); i < buffer.limit(); i++) {
            out.append(String.format("%02x", buffer.get(i)));
        }
        return out.toString();
    }
}
