package dev.ferry.log;

import dev.ferry.log.record.RecordBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ferry.log.TestBatches.batch;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One writer appends, rolls, truncates and deletes while reader threads read from random offsets below a high
 * watermark the writer publishes; every slice must hold exactly the batches the writer appended there.
 */
class ConcurrentReadTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int[] MAX_BYTES = {1, 200, 1500, 5000, 1 << 20};
    private static final int MIN_READS_PER_READER = 300;
    private static final long TIMEOUT_SECONDS = 30;

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime(T0);
    /** The high watermark: readers never read at or above it. */
    private final AtomicLong watermark = new AtomicLong();
    /** What the writer appended: base offset to {CRC, size in bytes, next offset}. */
    private final Map<Long, long[]> appended = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private ExecutorService readers;
    private PartitionLog log;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        readers = Executors.newFixedThreadPool(3);
    }

    @AfterEach
    void tearDown() throws IOException {
        readers.shutdownNow();
        if (log != null) {
            log.close();
        }
        scheduler.shutdownNow();
    }

    private PartitionLog open(final Map<String, ?> overrides) throws IOException {
        log = PartitionLog.open(tmp.resolve("topic-0"), LogConfig.from(overrides), time, scheduler);
        return log;
    }

    /** A reader's loop body; may throw only what the test allows. */
    private interface ReadStep {
        void read(Random rnd) throws IOException;
    }

    @Test
    void readersSeeOnlyWholeValidBatchesBelowTheWatermarkWhileTheWriterAppendsAndRolls() throws Exception {
        open(Map.of(LogConfig.SEGMENT_BYTES, 16 * 1024, LogConfig.INDEX_INTERVAL_BYTES, 512));
        final Random rnd = new Random(20_240_601L);
        runConcurrently(3, 1L, () -> {
            for (int i = 0; i < 3000; i++) {
                appendRandom(rnd);
                watermark.set(log.logEndOffset());
            }
            assertThat(log.segmentCount()).isGreaterThan(50);
        }, r -> {
            final long start = log.logStartOffset();
            final long hw = watermark.get();
            readAndVerify(r, start, hw - start, hw);
        });
    }

    @Test
    void readersBelowTheWatermarkNeverFailWhileTheWriterTruncatesTheTail() throws Exception {
        open(Map.of(LogConfig.SEGMENT_BYTES, 8 * 1024, LogConfig.INDEX_INTERVAL_BYTES, 512,
            LogConfig.FILE_DELETE_DELAY_MS, 0));
        final Random rnd = new Random(7_654_321L);
        runConcurrently(3, 2L, () -> {
            int truncations = 0;
            for (int i = 0; i < 4000; i++) {
                final int op = rnd.nextInt(10);
                if (op < 6) {
                    appendRandom(rnd);
                } else if (op < 8) {
                    watermark.set(log.logEndOffset());
                } else {
                    final long hw = watermark.get();
                    final long cut = hw + (long) (rnd.nextDouble() * (log.logEndOffset() - hw + 1));
                    assertThat(log.truncateTo(cut)).isBetween(hw, cut);
                    truncations++;
                }
            }
            assertThat(truncations).isGreaterThan(500);
            assertThat(log.logEndOffset()).isGreaterThan(1000);
        }, r -> {
            final long start = log.logStartOffset();
            final long hw = watermark.get();
            readAndVerify(r, start, hw - start, hw);
        });
    }

    @Test
    void readersGetOnlyOutOfRangeOrSegmentDeletedWhileSegmentsAreDeleted() throws Exception {
        open(Map.of(LogConfig.SEGMENT_BYTES, 8 * 1024, LogConfig.INDEX_INTERVAL_BYTES, 512,
            LogConfig.RETENTION_BYTES, 64 * 1024, LogConfig.FILE_DELETE_DELAY_MS, 0));
        final Random rnd = new Random(99_887_766L);
        final AtomicLong refused = new AtomicLong();
        final AtomicLong served = new AtomicLong();
        runConcurrently(3, 3L, () -> {
            for (int i = 0; i < 3000; i++) {
                appendRandom(rnd);
                final long hw = log.logEndOffset();
                watermark.set(hw);
                if (i % 10 == 9) {
                    log.deleteOldSegments(hw);
                } else if (i % 10 == 4) {
                    final long start = log.logStartOffset();
                    log.deleteRecordsBefore(start + (hw - start) / 8);
                }
            }
            assertThat(log.logStartOffset()).isGreaterThan(0);
        }, r -> {
            final long start = log.logStartOffset();
            final long hw = watermark.get();
            // Favour offsets near the log start, where segments disappear.
            final long span = r.nextBoolean() ? Math.min(50, hw - start) : hw - start;
            try {
                readAndVerify(r, start, span, hw);
                served.incrementAndGet();
            } catch (final OffsetOutOfRangeException | SegmentDeletedException e) {
                refused.incrementAndGet();
            }
        });
        assertThat(served.get()).isGreaterThan(0);
        System.out.printf("deletion race: served=%d refused=%d%n", served.get(), refused.get());
    }

    /**
     * Runs the writer on this thread and {@code readerCount} readers until the writer is done and each reader
     * has read at least {@link #MIN_READS_PER_READER} times; fails on the first reader error.
     */
    private void runConcurrently(final int readerCount, final long seed, final Runnable writer,
                                 final ReadStep step) throws Exception {
        final AtomicBoolean writerDone = new AtomicBoolean();
        final CountDownLatch finished = new CountDownLatch(readerCount);
        final List<Future<Long>> results = new ArrayList<>();
        for (int i = 0; i < readerCount; i++) {
            final Random rnd = new Random(seed * 1000 + i);
            results.add(readers.submit(() -> {
                long reads = 0;
                try {
                    while (!writerDone.get() || reads < MIN_READS_PER_READER) {
                        if (Thread.currentThread().isInterrupted()) {
                            throw new InterruptedException("reader interrupted after " + reads + " reads");
                        }
                        step.read(rnd);
                        reads++;
                    }
                    return reads;
                } finally {
                    finished.countDown();
                }
            }));
        }
        try {
            writer.run();
        } finally {
            writerDone.set(true);
        }
        assertThat(finished.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("readers finished in time").isTrue();
        for (final Future<Long> result : results) {
            assertThat(result.get(1, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(MIN_READS_PER_READER);
        }
    }

    /** Appends one or two random batches and records what each one is. Writer only. */
    private void appendRandom(final Random rnd) {
        final int count = rnd.nextInt(4) == 0 ? 2 : 1;
        final ByteBuffer[] batches = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            batches[i] = batch(1 + rnd.nextInt(20), 10 + rnd.nextInt(200), T0 + rnd.nextInt(1_000_000));
        }
        final ByteBuffer all = TestBatches.concat(batches);
        final LogAppendInfo info = log.append(all);
        final RecordBatch b = new RecordBatch();
        long next = info.firstOffset();
        for (int pos = 0; pos < all.limit(); pos += b.sizeInBytes()) {
            b.wrap(all, pos);
            assertThat(b.baseOffset()).isEqualTo(next);
            appended.put(b.baseOffset(), new long[] {b.crc(), b.sizeInBytes(), b.nextOffset()});
            next = b.nextOffset();
        }
        assertThat(log.logEndOffset()).isEqualTo(next);
    }

    /**
     * Reads below {@code bound} from a random offset in [start, start + span] and checks the slice byte for byte.
     */
    private void readAndVerify(final Random rnd, final long start, final long span, final long bound)
        throws IOException {
        final long from = start + (long) (rnd.nextDouble() * (span + 1));
        final int maxBytes = MAX_BYTES[rnd.nextInt(MAX_BYTES.length)];
        final LogReadSlice slice = log.read(from, maxBytes, bound);
        if (from >= bound) {
            assertThat(slice.isEmpty()).as("read at the bound %d", bound).isTrue();
            return;
        }
        assertThat(slice.isEmpty()).as("read from=%d below bound=%d: %s", from, bound, slice).isFalse();
        final ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(bytes);
        bytes.flip();
        final RecordBatch b = new RecordBatch();
        long expectedBase = slice.firstBatchBaseOffset();
        int batches = 0;
        for (int pos = 0; pos < bytes.limit(); pos += b.sizeInBytes(), batches++) {
            b.wrap(bytes, pos).ensureValid(Integer.MAX_VALUE);
            assertThat(b.baseOffset()).as("contiguous batches in %s", slice).isEqualTo(expectedBase);
            if (batches == 0) {
                assertThat(from).as("first batch holds the requested offset").isBetween(b.baseOffset(),
                    b.lastOffset());
            }
            assertThat(b.nextOffset()).as("batch below the bound").isLessThanOrEqualTo(bound);
            final long[] expected = appended.get(b.baseOffset());
            assertThat(expected).as("batch at %d was appended", b.baseOffset()).isNotNull();
            assertThat(new long[] {b.crc(), b.sizeInBytes(), b.nextOffset()})
                .as("the batch appended at %d", b.baseOffset()).containsExactly(expected);
            expectedBase = b.nextOffset();
        }
        assertThat(slice.nextOffset()).isEqualTo(expectedBase);
        if (batches > 1) {
            assertThat(slice.sizeInBytes()).isLessThanOrEqualTo(maxBytes);
        }
    }
}
