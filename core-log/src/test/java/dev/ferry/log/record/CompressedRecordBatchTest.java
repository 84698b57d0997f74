package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.log.record.TestBatches.TestRecord;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Compressed batches: round trips per codec, validation without decompression, typed errors for damaged
 * payloads whose CRC was recomputed (so the decompressor or the record walk must catch them), the
 * builder never running out of room, and compressible data getting smaller.
 */
class CompressedRecordBatchTest {

    private static final int MAX_BATCH_BYTES = 8 << 20;
    private static final long BASE_TIMESTAMP_MS = 1_700_000_000_000L;

    /** One cursor and one scratch for every try, so that reuse and growth across batches are exercised. */
    private final RecordCursor sharedCursor = new RecordCursor();
    private final ByteBuffer sharedScratch = ByteBuffer.allocate(1 << 20);

    @Provide
    Arbitrary<CompressionType> codecs() {
        return Arbitraries.of(CompressionType.LZ4, CompressionType.ZSTD, CompressionType.SNAPPY);
    }

    @Provide
    Arbitrary<List<TestRecord>> records() {
        final Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
        final Arbitrary<byte[]> repetitive = Arbitraries.strings().withChars("ab{}\":,0123").ofMaxLength(4096)
            .map(s -> s.repeat(3).getBytes(StandardCharsets.UTF_8));
        final Arbitrary<byte[]> bytes = Arbitraries.oneOf(random, repetitive).injectNull(0.2);
        final Arbitrary<String> headerKeys = Arbitraries.strings()
            .withCharRange('\u0000', '\ud7ff')
            .withCharRange('\ue000', '\ufffd')
            .ofMaxLength(12);
        final Arbitrary<byte[]> headerValues = Arbitraries.bytes().array(byte[].class).ofMaxSize(32).injectNull(0.2);
        final Arbitrary<Header> headers = Combinators.combine(headerKeys, headerValues).as(Header::new);
        final Arbitrary<Long> timestamps = Arbitraries.oneOf(
            Arbitraries.longs(),
            Arbitraries.longs().between(BASE_TIMESTAMP_MS, BASE_TIMESTAMP_MS + 100_000L));
        return Combinators.combine(timestamps, bytes, bytes, headers.list().ofMaxSize(3))
            .as(TestRecord::new)
            .list().ofMinSize(1).ofMaxSize(40);
    }

    private static int capacityFor(final CompressionType codec, final List<TestRecord> records) {
        return RecordBatchLayout.HEADER_SIZE + RecordBatchLayout.UNCOMPRESSED_SIZE_LENGTH
            + (int) RecordsCodec.maxCompressedLength(codec, TestBatches.capacityFor(records));
    }

    private ByteBuffer build(final CompressionType codec, final ByteBuffer target, final List<TestRecord> records) {
        final RecordBatchBuilder builder = new RecordBatchBuilder(target).baseOffset(42L)
            .compression(codec, sharedScratch);
        return TestBatches.appendAll(builder, records).build();
    }

    private ByteBuffer build(final CompressionType codec, final List<TestRecord> records) {
        return build(codec, ByteBuffer.allocate(capacityFor(codec, records)), records);
    }

    @Property(tries = 300, seed = "5150")
    void shouldReadBackExactlyTheRecordsThatWereCompressed(@ForAll("codecs") final CompressionType codec,
                                                          @ForAll("records") final List<TestRecord> records,
                                                          @ForAll final boolean direct,
                                                          @ForAll @IntRange(max = 32) final int startIndex) {
        final int capacity = startIndex + capacityFor(codec, records);
        final ByteBuffer target = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        target.position(startIndex);
        final ByteBuffer built = build(codec, target, records);

        final RecordBatch batch = new RecordBatch().wrap(target.clear(), startIndex);
        batch.ensureValid(MAX_BATCH_BYTES);

        assertThat(batch.compression()).isEqualTo(codec);
        assertThat(batch.sizeInBytes()).isEqualTo(built.limit());
        assertThat(batch.recordCount()).isEqualTo(records.size());
        assertThat(batch.lastOffsetDelta()).isEqualTo(records.size() - 1);
        assertThat(batch.baseTimestamp()).isEqualTo(records.get(0).timestampMs());
        assertThat(batch.maxTimestamp())
            .isEqualTo(records.stream().mapToLong(TestRecord::timestampMs).max().orElseThrow());
        TestBatches.assertRecords(batch, records);
        // A reused cursor gives the same records as a fresh one.
        sharedCursor.reset(batch);
        for (final TestRecord record : records) {
            assertThat(sharedCursor.next()).isTrue();
            assertThat(sharedCursor.value()).isEqualTo(record.value());
            assertThat(sharedCursor.key()).isEqualTo(record.key());
        }
        assertThat(sharedCursor.next()).isFalse();
    }

    @Property(tries = 600, seed = "8086")
    void shouldOnlyThrowInvalidBatchExceptionForDamagedPayloadsWithARecomputedCrc(
        @ForAll("codecs") final CompressionType codec,
        @ForAll("records") final List<TestRecord> records,
        @ForAll @Size(min = 1, max = 3) final List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> positions,
        @ForAll @Size(min = 3, max = 3) final byte[] replacements) {
        final ByteBuffer buffer = build(codec, records);
        final int section = buffer.limit() - RecordBatchLayout.RECORDS_OFFSET;
        for (int i = 0; i < positions.size(); i++) {
            buffer.put(RecordBatchLayout.RECORDS_OFFSET + positions.get(i) % section, replacements[i]);
        }
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);
        try {
            batch.ensureValid(MAX_BATCH_BYTES);
            sharedCursor.reset(batch);
            int count = 0;
            while (sharedCursor.next()) {
                count++;
                while (sharedCursor.nextHeader()) {
                    assertThat(sharedCursor.headerKeyLength()).isNotNegative();
                }
            }
            // Damage that survives (an LZ4 or snappy literal byte) yields well-formed records, never garbage.
            assertThat(count).isEqualTo(batch.recordCount());
        } catch (final InvalidBatchException expected) {
            if (expected instanceof CorruptBatchException && !expected.getMessage().startsWith("CRC mismatch")) {
                assertThat(expected.getMessage()).contains("compression=" + codec).contains("batchBaseOffset=42");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldRejectATruncatedPayloadWhenDecompressing(final CompressionType codec) {
        final ByteBuffer built = build(codec, compressibleRecords(50));
        final int truncated = built.limit() - 3;
        final ByteBuffer buffer = ByteBuffer.allocate(truncated).put(built.duplicate().limit(truncated));
        buffer.putInt(RecordBatchLayout.BATCH_LENGTH_OFFSET, buffer.limit() - RecordBatchLayout.LOG_OVERHEAD);
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer.clear(), 0);

        // The broker accepts it (the CRC matches and it does not decompress); readers get a typed error.
        batch.ensureValid(MAX_BATCH_BYTES);
        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("corrupt compressed records: compression=" + codec + ", batchBaseOffset=42, ");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldRejectAPayloadThatDecompressesToAnotherSize(final CompressionType codec) {
        final ByteBuffer buffer = build(codec, compressibleRecords(50));
        buffer.putInt(RecordBatchLayout.RECORDS_OFFSET, buffer.getInt(RecordBatchLayout.RECORDS_OFFSET) + 1);
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);

        batch.ensureValid(MAX_BATCH_BYTES);
        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("corrupt compressed records: compression=" + codec + ", batchBaseOffset=42, ");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldRejectAPayloadOfGarbage(final CompressionType codec) {
        final ByteBuffer buffer = build(codec, compressibleRecords(50));
        for (int i = RecordBatchLayout.RECORDS_OFFSET + RecordBatchLayout.UNCOMPRESSED_SIZE_LENGTH;
             i < buffer.limit(); i++) {
            buffer.put(i, (byte) 0xff);
        }
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);

        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("corrupt compressed records: compression=" + codec + ", batchBaseOffset=42, ");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"ZSTD"})
    void shouldDetectAFlippedByteThroughTheZstdContentChecksum(final CompressionType codec) {
        final ByteBuffer buffer = build(codec, compressibleRecords(50));
        final int middle = (RecordBatchLayout.RECORDS_OFFSET + buffer.limit()) / 2;
        buffer.put(middle, (byte) (buffer.get(middle) ^ 0x01));
        TestBatches.fixCrc(buffer, 0);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);

        assertThatThrownBy(() -> new RecordCursor().reset(batch))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessageStartingWith("corrupt compressed records: compression=ZSTD, batchBaseOffset=42, ");
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldMakeCompressibleDataSmaller(final CompressionType codec) {
        final List<TestRecord> records = compressibleRecords(200);
        final ByteBuffer plain = TestBatches.build(records);
        final ByteBuffer compressed = build(codec, records);

        assertThat(compressed.limit()).as("%s batch vs %d bytes uncompressed", codec, plain.limit())
            .isLessThan(plain.limit() / 3);
        final RecordBatch batch = new RecordBatch().wrap(compressed, 0);
        batch.ensureValid(MAX_BATCH_BYTES);
        assertThat(compressed.getInt(RecordBatchLayout.RECORDS_OFFSET))
            .isEqualTo(plain.limit() - RecordBatchLayout.RECORDS_OFFSET);
        TestBatches.assertRecords(batch, records);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldNeverRunOutOfRoomWhenAppendingWhileThereIsRoom(final CompressionType codec) {
        final Random random = new Random(17);
        final ByteBuffer target = ByteBuffer.allocate(4096);
        final RecordBatchBuilder builder = new RecordBatchBuilder(target).compression(codec);
        final List<TestRecord> appended = new ArrayList<>();
        while (true) {
            final byte[] value = new byte[random.nextInt(300)];
            random.nextBytes(value);
            if (!builder.hasRoomFor(BASE_TIMESTAMP_MS, null, value)) {
                final byte[] rejected = value;
                assertThatThrownBy(() -> builder.append(BASE_TIMESTAMP_MS, null, rejected))
                    .isExactlyInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("compression=" + codec);
                break;
            }
            builder.append(BASE_TIMESTAMP_MS, null, value);
            appended.add(new TestRecord(BASE_TIMESTAMP_MS, null, value, List.of()));
        }
        final int estimate = builder.estimatedSizeInBytes();
        final ByteBuffer built = builder.build();

        assertThat(built.limit()).isLessThanOrEqualTo(estimate).isLessThanOrEqualTo(target.capacity());
        assertThat(appended).hasSizeGreaterThan(10);
        final RecordBatch batch = new RecordBatch().wrap(built, 0);
        batch.ensureValid(MAX_BATCH_BYTES);
        TestBatches.assertRecords(batch, appended);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldRefuseToDecompressPastTheCursorsBound(final CompressionType codec) {
        final ByteBuffer buffer = build(codec, compressibleRecords(50));
        final int uncompressedSize = buffer.getInt(RecordBatchLayout.RECORDS_OFFSET);
        final RecordBatch batch = new RecordBatch().wrap(buffer, 0);

        assertThatThrownBy(() -> new RecordCursor(uncompressedSize - 1).reset(batch))
            .isExactlyInstanceOf(BatchTooLargeException.class)
            .hasMessage("uncompressed size " + uncompressedSize + " exceeds maxUncompressedBytes="
                + (uncompressedSize - 1) + ": compression=" + codec + ", batchBaseOffset=42");
        new RecordCursor(uncompressedSize).reset(batch);
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = {"LZ4", "ZSTD", "SNAPPY"})
    void shouldNotAllocatePerRecordWhenReadingCompressedBatches(final CompressionType codec) {
        final ByteBuffer heap = build(codec, compressibleRecords(500));
        final ByteBuffer direct = ByteBuffer.allocateDirect(heap.limit()).put(heap.duplicate()).flip();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long threadId = Thread.currentThread().getId();
        final RecordBatch batch = new RecordBatch();
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
            // 50 batches x 500 records: an allocation per record, or a new buffer per batch, shows as 100s of KB.
            assertThat(allocated).as("%s: bytes allocated for 25,000 records", codec).isLessThan(4096);
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

    private static List<TestRecord> compressibleRecords(final int count) {
        final List<TestRecord> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            final String value = "{\"user\":\"user-" + (i % 7) + "\",\"event\":\"page_view\",\"path\":\"/products/"
                + (i % 13) + "\",\"status\":200,\"agent\":\"Mozilla/5.0 (X11; Linux x86_64)\"}";
            records.add(new TestRecord(BASE_TIMESTAMP_MS + i, "key-" + (i % 5), value));
        }
        return records;
    }
}
