package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.log.record.TestBatches.TestRecord;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the batch format over generated records and bytes. Fixed seeds keep runs reproducible. */
class RecordBatchPropertiesTest {

    private static final int MAX_BATCH_BYTES = 8 << 20;

    @Provide
    Arbitrary<List<TestRecord>> records() {
        return records(4096, 30);
    }

    @Provide
    Arbitrary<List<TestRecord>> smallRecords() {
        return records(64, 6);
    }

    private static Arbitrary<List<TestRecord>> records(final int maxBytes, final int maxRecords) {
        final Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(maxBytes).injectNull(0.2);
        // Surrogates are left out because an unpaired one is encoded as '?' (as String.getBytes does),
        // which would not round-trip; ByteUtilsTest covers them.
        final Arbitrary<String> headerKeys = Arbitraries.strings()
            .withCharRange('\u0000', '\ud7ff')
            .withCharRange('\ue000', '\ufffd')
            .ofMaxLength(12);
        final Arbitrary<byte[]> headerValues = Arbitraries.bytes().array(byte[].class).ofMaxSize(32).injectNull(0.2);
        final Arbitrary<Header> headers = Combinators.combine(headerKeys, headerValues).as(Header::new);
        final Arbitrary<Long> timestamps = Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.longs().between(1_700_000_000_000L, 1_700_000_100_000L));
        return Combinators.combine(timestamps, bytes, bytes, headers.list().ofMaxSize(3))
            .as(TestRecord::new)
            .list().ofMinSize(1).ofMaxSize(maxRecords);
    }

    @Property(tries = 150, seed = "7061")
    void shouldReadBackExactlyTheRecordsThatWereBuilt(@ForAll("records") final List<TestRecord> records,
                                                     @ForAll final boolean direct,
                                                     @ForAll @IntRange(max = 32) final int startIndex) {
        final int capacity = startIndex + TestBatches.capacityFor(records);
        final ByteBuffer target = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        target.position(startIndex);
        final ByteBuffer built = TestBatches.build(target, records);

        final RecordBatch batch = new RecordBatch().wrap(target.clear(), startIndex);
        batch.ensureValid(MAX_BATCH_BYTES);

        assertThat(batch.sizeInBytes()).isEqualTo(built.limit());
        assertThat(RecordBatch.sizeAt(target, startIndex)).isEqualTo(built.limit());
        assertThat(batch.recordCount()).isEqualTo(records.size());
        assertThat(batch.baseTimestamp()).isEqualTo(records.get(0).timestampMs());
        assertThat(batch.maxTimestamp())
            .isEqualTo(records.stream().mapToLong(TestRecord::timestampMs).max().orElseThrow());
        TestBatches.assertRecords(batch, records);
    }

    @Property(tries = 400, seed = "1033")
    void shouldRejectBatchWithAnySingleFlippedByteInCrcRegionAsCorrupt(
        @ForAll("smallRecords") final List<TestRecord> records,
        @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) final int position,
        @ForAll @IntRange(min = 1, max = 255) final int mask) {
        final ByteBuffer buffer = TestBatches.build(records);
        final int crcRegion = buffer.limit() - RecordBatchLayout.CRC_COVERAGE_OFFSET;
        final int flipped = RecordBatchLayout.CRC_COVERAGE_OFFSET + position % crcRegion;
        buffer.put(flipped, (byte) (buffer.get(flipped) ^ mask));

        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);
        // CRC32C detects every burst error of up to 32 bits, so a single changed byte never goes unnoticed.
        assertThatThrownBy(() -> batch.ensureValid(MAX_BATCH_BYTES))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("CRC mismatch: ");
    }

    @Property(tries = 1000, seed = "4242")
    void shouldOnlyThrowInvalidBatchExceptionForArbitraryBytes(@ForAll @Size(max = 300) final byte[] bytes,
                                                               @ForAll @IntRange(max = 300) final int index,
                                                               @ForAll @IntRange(max = 1000) final int maxBatchBytes) {
        final ByteBuffer buffer = ByteBuffer.wrap(bytes);
        final RecordBatch batch = new RecordBatch().wrap(buffer, Math.min(index, bytes.length));
        ensureValidAndReadOrThrowInvalid(batch, maxBatchBytes);
    }

    @Property(tries = 1000, seed = "9001")
    void shouldOnlyThrowInvalidBatchExceptionForArbitraryRecordBytesUnderAValidHeader(
        @ForAll @Size(max = 200) final byte[] recordBytes,
        @ForAll @IntRange(min = -1, max = 6) final int recordCount,
        @ForAll final boolean direct) {
        final int size = RecordBatchLayout.HEADER_SIZE + recordBytes.length;
        final ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        buffer.putInt(RecordBatchLayout.BATCH_LENGTH_OFFSET, size - RecordBatchLayout.LOG_OVERHEAD);
        buffer.put(RecordBatchLayout.MAGIC_OFFSET, RecordBatchLayout.CURRENT_MAGIC);
        buffer.putInt(RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET, recordCount - 1);
        buffer.putLong(RecordBatchLayout.BASE_TIMESTAMP_OFFSET, -1000L);
        buffer.putLong(RecordBatchLayout.MAX_TIMESTAMP_OFFSET, 1000L);
        buffer.putInt(RecordBatchLayout.RECORD_COUNT_OFFSET, recordCount);
        buffer.put(RecordBatchLayout.RECORDS_OFFSET, recordBytes);
        TestBatches.fixCrc(buffer, 0);

        ensureValidAndReadOrThrowInvalid(new RecordBatch().wrap(buffer, 0), MAX_BATCH_BYTES);
    }

    @Property(tries = 500, seed = "31337")
    void shouldOnlyThrowInvalidBatchExceptionForMutatedRecordsWithARecomputedCrc(
        @ForAll("smallRecords") final List<TestRecord> records,
        @ForAll @Size(min = 1, max = 3) final List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> positions,
        @ForAll @Size(min = 3, max = 3) final byte[] replacements) {
        final ByteBuffer buffer = TestBatches.build(records);
        final int recordsLength = buffer.limit() - RecordBatchLayout.RECORDS_OFFSET;
        for (int i = 0; i < positions.size(); i++) {
            buffer.put(RecordBatchLayout.RECORDS_OFFSET + positions.get(i) % recordsLength, replacements[i]);
        }
        TestBatches.fixCrc(buffer, 0);

        ensureValidAndReadOrThrowInvalid(new RecordBatch().wrap(buffer, 0), MAX_BATCH_BYTES);
    }

    /**
     * Validates, and if that passes, reads every record and header: a batch that ensureValid accepts must
     * be fully readable, and anything else must surface as InvalidBatchException only.
     */
    private static void ensureValidAndReadOrThrowInvalid(final RecordBatch batch, final int maxBatchBytes) {
        try {
            batch.ensureValid(maxBatchBytes);
        } catch (final InvalidBatchException expected) {
            return;
        }
        // Compressed batches pass ensureValid without decompressing, so reading them may still find damage.
        final RecordCursor cursor;
        try {
            cursor = new RecordCursor(1 << 20).reset(batch);
        } catch (final InvalidBatchException expected) {
            assertThat(batch.compression()).isNotEqualTo(CompressionType.NONE);
            return;
        }
        int records = 0;
        while (cursor.next()) {
            records++;
            while (cursor.nextHeader()) {
                assertThat(cursor.headerKeyLength()).isNotNegative();
            }
            if (cursor.keyLength() < 0) {
                assertThat(cursor.key()).isNull();
            } else {
                assertThat(cursor.key()).hasSize(cursor.keyLength());
            }
        }
        assertThat(records).isEqualTo(batch.recordCount());
    }
}
