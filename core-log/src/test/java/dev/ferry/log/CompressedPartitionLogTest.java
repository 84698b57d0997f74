package dev.ferry.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.log.record.CompressionType;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed batches through a real log on disk: the log validates, stamps and indexes them from the
 * uncompressed header alone, serves them byte for byte, recovers them after an unclean shutdown, and readers
 * decompress them.
 */
class CompressedPartitionLogTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int RECORDS_PER_BATCH = 20;
    private static final int BATCHES = 24;
    private static final CompressionType[] CODECS = CompressionType.values();

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime(T0);
    private final ByteBuffer scratch = ByteBuffer.allocate(64 << 10);
    private ScheduledExecutorService scheduler;
    private PartitionLog log;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (log != null) {
            log.close();
        }
        scheduler.shutdownNow();
    }

    private PartitionLog open() throws IOException {
        // Small segments and an index entry per batch, so rolls and index lookups meet compressed batches.
        log = PartitionLog.open(tmp.resolve("topic-0"), LogConfig.from(Map.of(
            LogConfig.SEGMENT_BYTES, 8192, LogConfig.INDEX_INTERVAL_BYTES, 0)), time, scheduler);
        return log;
    }

    private static long timestamp(final int batch, final int record) {
        return T0 + batch * 100L + record;
    }

    private static String value(final int batch, final int record) {
        return "{\"batch\":" + batch + ",\"record\":" + record + ",\"payload\":\"" + "abc".repeat(20) + "\"}";
    }

    private ByteBuffer batch(final int batchNumber, final CompressionType codec) {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(16 << 10))
            .compression(codec, scratch);
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            // Timestamps rise within the batch except for record 0, so max timestamp is not the last record's.
            final long ts = i == 0 ? timestamp(batchNumber, 10) : timestamp(batchNumber, i);
            builder.append(ts, ("k" + i).getBytes(StandardCharsets.UTF_8),
                value(batchNumber, i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    @Test
    void shouldAppendIndexAndReadBackCompressedBatches() throws IOException {
        open();
        for (int b = 0; b < BATCHES; b++) {
            final CompressionType codec = CODECS[b % CODECS.length];
            final LogAppendInfo info = log.append(batch(b, codec), 3L, 100L + b);
            assertThat(info.firstOffset()).as("batch %d (%s)", b, codec).isEqualTo((long) b * RECORDS_PER_BATCH);
            assertThat(info.lastOffset()).isEqualTo((long) b * RECORDS_PER_BATCH + RECORDS_PER_BATCH - 1);
            assertThat(info.maxTimestampMs()).isEqualTo(timestamp(b, RECORDS_PER_BATCH - 1));
        }
        assertThat(log.segmentCount()).as("segments rolled").isGreaterThan(2);
        assertEveryRecordReadable();

        // Timestamp lookup lands on the exact record, also inside compressed batches.
        for (int b = 0; b < BATCHES; b++) {
            assertThat(log.offsetForTimestamp(timestamp(b, 15)))
                .as("batch %d (%s)", b, CODECS[b % CODECS.length]).isEqualTo((long) b * RECORDS_PER_BATCH + 15);
        }
        assertThat(log.offsetOfRaftIndex(105L)).isEqualTo(5L * RECORDS_PER_BATCH);

        // Without the clean-shutdown marker the open scans and validates every batch again.
        log.close();
        Files.delete(tmp.resolve("topic-0").resolve(".clean-shutdown"));
        open();
        assertThat(log.logEndOffset()).isEqualTo((long) BATCHES * RECORDS_PER_BATCH);
        assertEveryRecordReadable();
    }

    private void assertEveryRecordReadable() throws IOException {
        final List<String> values = new ArrayList<>();
        final List<CompressionType> codecs = new ArrayList<>();
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        long next = 0;
        while (next < log.logEndOffset()) {
            final LogReadSlice slice = log.read(next, 1 << 20, log.logEndOffset());
            final ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
            slice.readInto(bytes);
            bytes.flip();
            for (int pos = 0; pos < bytes.limit(); pos += batch.sizeInBytes()) {
                batch.wrap(bytes, pos).ensureValid(1 << 20);
                assertThat(batch.leaderTerm()).isEqualTo(3L);
                codecs.add(batch.compression());
                cursor.reset(batch);
                while (cursor.next()) {
                    assertThat(cursor.offset()).isEqualTo(next);
                    values.add(cursor.valueString());
                    next++;
                }
            }
        }
        final List<String> expected = new ArrayList<>();
        final List<CompressionType> expectedCodecs = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            expectedCodecs.add(CODECS[b % CODECS.length]);
            for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                expected.add(value(b, i));
            }
        }
        assertThat(codecs).isEqualTo(expectedCodecs);
        assertThat(values).isEqualTo(expected);
    }
}
