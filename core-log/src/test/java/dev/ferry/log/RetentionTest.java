package dev.ferry.log;

import dev.ferry.log.segment.LogFileNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static dev.ferry.log.TestBatches.batch;
import static dev.ferry.log.TestBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/** Retention by time and size, the deletable-offset bound, delayed file deletion and slices that outlive it. */
class RetentionTest {
    private static final long T0 = 1_700_000_000_000L;
    /** Size of one {@code batch(10, 100, ts)}; independent of the timestamp. */
    private static final int BATCH = batch(10, 100, T0).remaining();
    /** Exactly three such batches per segment: the fourth append rolls. */
    private static final int SEGMENT_BYTES = 3 * BATCH;

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime(T0);
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

    private PartitionLog open(final Map<String, ?> overrides) throws IOException {
        final Map<String, Object> config = new HashMap<>();
        config.put(LogConfig.SEGMENT_BYTES, SEGMENT_BYTES);
        config.putAll(overrides);
        log = PartitionLog.open(tmp.resolve("topic-0"), LogConfig.from(config), time, scheduler);
        return log;
    }

    private void appendBatches(final int count, final long timestampMs) {
        for (int i = 0; i < count; i++) {
            log.append(batch(10, 100, timestampMs));
        }
    }

    private static List<Long> range(final long from, final long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toList());
    }

    private static List<String> fileNames(final Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static List<String> deletedFiles(final Path dir) throws IOException {
        return fileNames(dir).stream().filter(n -> n.endsWith(LogFileNames.DELETED_SUFFIX))
            .collect(Collectors.toList());
    }

    @Test
    void shouldDeleteClosedSegmentsByTheirLargestTimestampButNeverTheActiveOne() throws IOException {
        open(Map.of(LogConfig.RETENTION_MS, 1000, LogConfig.FILE_DELETE_DELAY_MS, 0));
        // Segment [0, 30): max timestamp T0 + 9 (batch(...) stamps record i with ts + i).
        appendBatches(3, T0);
        // Segment [30, 60): starts old, but its largest timestamp is T0 + 5009.
        appendBatches(2, T0);
        appendBatches(1, T0 + 5000);
        // Segment [60, 90): T0 + 2009.
        appendBatches(3, T0 + 2000);
        // Active segment [90, 100): old data, yet it must survive.
        appendBatches(1, T0);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 30L, 60L, 90L);

        time.sleep(9 + 1000);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).as("exactly retention.ms old is kept").isZero();
        time.sleep(1);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(30L, 60L, 90L);
        assertThat(log.logStartOffset()).isEqualTo(30);

        // Now [60, 90) is expired, but [30, 60) is not because of its newest batch: retention stops at it.
        time.sleep(2000);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isZero();
        assertThat(log.segmentBaseOffsets()).containsExactly(30L, 60L, 90L);

        time.sleep(1_000_000);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(2);
        assertThat(log.segmentBaseOffsets()).containsExactly(90L);
        assertThat(log.logStartOffset()).isEqualTo(90);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).as("the active segment is never deleted").isZero();
        assertThat(readAll(log, 90)).isEqualTo(range(90, 100));
        assertThatThrownBy(() -> log.read(89, 1 << 20, Long.MAX_VALUE))
            .isInstanceOf(OffsetOutOfRangeException.class)
            .hasMessage("offset out of range: partition=topic-0 requestedOffset=89 logStartOffset=90 logEndOffset=100");
        assertThat(log.offsetForTimestamp(0)).isEqualTo(90);
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(100);
    }

    @Test
    void shouldKeepTheNewestSegmentsWithinRetentionBytes() throws IOException {
        // Kafka's rule: the oldest segment goes while the log stays at or above retention.bytes without it.
        open(Map.of(LogConfig.RETENTION_BYTES, 5L * BATCH, LogConfig.FILE_DELETE_DELAY_MS, 0));
        appendBatches(10, T0);
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 30L, 60L, 90L);
        assertThat(log.sizeInBytes()).isEqualTo(10L * BATCH);

        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(30L, 60L, 90L);
        assertThat(log.sizeInBytes()).isEqualTo(7L * BATCH);
        assertThat(log.logStartOffset()).isEqualTo(30);
        assertThat(readAll(log, 30)).isEqualTo(range(30, 100));

        // Exactly at the limit without the oldest segment: it goes; then 1 batch < 5 batches, nothing more.
        appendBatches(1, T0);
        assertThat(log.sizeInBytes()).isEqualTo(8L * BATCH);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(60L, 90L);
        assertThat(log.sizeInBytes()).isEqualTo(5L * BATCH);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isZero();
        assertThat(readAll(log, 60)).isEqualTo(range(60, 110));
    }

    @Test
    void shouldNeverDeleteASegmentHoldingOffsetsAtOrAboveMaxDeletableOffset() throws IOException {
        open(Map.of(LogConfig.RETENTION_MS, 1000, LogConfig.FILE_DELETE_DELAY_MS, 0));
        appendBatches(10, T0);
        time.sleep(1_000_000);

        assertThat(log.deleteOldSegments(0)).isZero();
        assertThat(log.deleteOldSegments(29)).isZero();
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.deleteOldSegments(30)).as("[0, 30) is entirely below 30").isEqualTo(1);
        assertThat(log.deleteOldSegments(59)).isZero();
        assertThat(log.segmentBaseOffsets()).containsExactly(30L, 60L, 90L);
        assertThat(log.logStartOffset()).isEqualTo(30);
        assertThat(log.deleteOldSegments(75)).as("[30, 60) is entirely below 75").isEqualTo(1);
        assertThat(log.deleteOldSegments(89)).isZero();
        assertThat(log.segmentBaseOffsets()).containsExactly(60L, 90L);
        assertThat(log.deleteOldSegments(90)).isEqualTo(1);
        assertThat(log.segmentBaseOffsets()).containsExactly(90L);
        assertThat(log.logStartOffset()).isEqualTo(90);
        assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(readAll(log, 90)).isEqualTo(range(90, 100));
    }

    @Test
    void shouldRenameToDeletedAndRemoveFilesOnlyAfterTheDelay() throws IOException {
        final long delayMs = 300;
        open(Map.of(LogConfig.RETENTION_MS, 1000, LogConfig.FILE_DELETE_DELAY_MS, delayMs));
        appendBatches(7, T0);
        time.sleep(1_000_000);
        final Path dir = log.dir();

        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(2);
        assertThat(LogFileNames.logFile(dir, 0)).doesNotExist();
        assertThat(LogFileNames.offsetIndexFile(dir, 30)).doesNotExist();
        assertThat(deletedFiles(dir)).containsExactlyInAnyOrder(
            "00000000000000000000.log.deleted", "00000000000000000000.index.deleted",
            "00000000000000000000.timeindex.deleted", "00000000000000000030.log.deleted",
            "00000000000000000030.index.deleted", "00000000000000000030.timeindex.deleted");
        await().atLeast(Duration.ofMillis(delayMs / 2)).atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> deletedFiles(dir).isEmpty());
        assertThat(fileNames(dir)).contains("00000000000000000060.log").doesNotContain("00000000000000000000.log");
        assertThat(readAll(log, 60)).isEqualTo(range(60, 70));
    }

    @Test
    void shouldServeSlicesTakenBeforeDeletionUntilTheDelayRunsThenFailCleanly() throws Exception {
        open(Map.of(LogConfig.RETENTION_MS, 1000, LogConfig.FILE_DELETE_DELAY_MS, 50));
        appendBatches(7, T0);
        time.sleep(1_000_000);
        final LogReadSlice slice = log.read(12, 1 << 20, Long.MAX_VALUE);
        final byte[] expected = bytesOf(slice);
        assertThat(TestBatches.offsetsIn(slice)).isEqualTo(range(10, 30));

        // Hold the scheduler thread so that the delayed deletion cannot run before the reads below.
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch gateHeld = new CountDownLatch(1);
        scheduler.execute(() -> {
            gateHeld.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(gateHeld.await(10, TimeUnit.SECONDS)).isTrue();
        final Path dir = log.dir();
        try {
            assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(2);
            assertThatThrownBy(() -> log.read(12, 1 << 20, Long.MAX_VALUE))
                .isInstanceOf(OffsetOutOfRangeException.class);
            // The slice still reads the renamed file, byte for byte, both ways.
            assertThat(bytesOf(slice)).isEqualTo(expected);
            final ByteArrayOutputStream sent = new ByteArrayOutputStream();
            assertThat(slice.writeTo(Channels.newChannel(sent))).isEqualTo(expected.length);
            assertThat(sent.toByteArray()).isEqualTo(expected);
            assertThat(slice.channel().isOpen()).isTrue();
        } finally {
            gate.countDown();
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> deletedFiles(dir).isEmpty() && !slice.channel().isOpen());

        final ByteBuffer dst = ByteBuffer.allocate(expected.length + 8);
        dst.position(3);
        assertThatThrownBy(() -> slice.readInto(dst))
            .isInstanceOf(SegmentDeletedException.class)
            .hasMessageStartingWith("segment was deleted while being read: file=")
            .hasMessageContaining("00000000000000000000.log.deleted")
            .hasMessageContaining("firstBatchBaseOffset=10")
            .hasMessageContaining("fetch again");
        assertThat(dst.position()).as("no byte was delivered").isEqualTo(3);
        final ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertThatThrownBy(() -> slice.writeTo(Channels.newChannel(sink)))
            .isInstanceOf(SegmentDeletedException.class)
            .hasMessageContaining("fetch again");
        assertThat(sink.size()).isZero();
        assertThat(readAll(log, 60)).isEqualTo(range(60, 70));
    }

    private static byte[] bytesOf(final LogReadSlice slice) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(buf);
        return buf.array();
    }

    @Test
    void shouldAdvanceLogStartOffsetAndCheckpointIt() throws IOException {
        final Map<String, Object> config = Map.of(LogConfig.RETENTION_MS, 1000, LogConfig.FILE_DELETE_DELAY_MS, 0);
        open(config);
        appendBatches(7, T0);
        time.sleep(1_000_000);
        assertThat(log.deleteOldSegments(Long.MAX_VALUE)).isEqualTo(2);
        log.checkpoint();
        assertThat(PartitionCheckpoint.read(log.dir()).logStartOffset()).isEqualTo(60);

        log.close();
        open(config);
        assertThat(log.logStartOffset()).isEqualTo(60);
        assertThat(log.segmentBaseOffsets()).containsExactly(60L);
        assertThat(readAll(log, 60)).isEqualTo(range(60, 70));
        assertThatThrownBy(() -> log.read(59, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void logManagerShouldApplyRetentionToItsLogsAndCloseThemCleanly() throws IOException {
        final Path dataDir = tmp.resolve("data");
        final Map<String, Object> config = Map.of(LogConfig.SEGMENT_BYTES, SEGMENT_BYTES,
            LogConfig.RETENTION_MS, 1000);
        // Retention may delete only below offset 60 in every log.
        final LogManager manager = new LogManager(dataDir, time, 3_600_000, l -> 60);
        final PartitionLog a = manager.open("a-0", LogConfig.from(config));
        final PartitionLog b = manager.open("b-1", LogConfig.from(config));
        assertThat(manager.open("a-0", LogConfig.from(config))).isSameAs(a);
        for (int i = 0; i < 10; i++) {
            a.append(batch(10, 100, T0));
            b.append(batch(10, 100, T0 + 1_000_000));
        }
        time.sleep(500_000);
        manager.runChecks();
        assertThat(a.segmentBaseOffsets()).containsExactly(60L, 90L);
        assertThat(a.logStartOffset()).isEqualTo(60);
        assertThat(b.segmentBaseOffsets()).as("b's data is not expired yet").containsExactly(0L, 30L, 60L, 90L);
        assertThat(PartitionCheckpoint.read(a.dir()).logStartOffset()).isEqualTo(60);
        // Default file.delete.delay.ms is a minute: the files wait as .deleted.
        assertThat(deletedFiles(a.dir())).hasSize(6);

        // Close deletes what waits for deletion now, and must not wait for the delayed tasks to come due.
        assertTimeoutPreemptively(Duration.ofSeconds(5), manager::close);
        assertThat(manager.logs()).isEmpty();
        assertThat(deletedFiles(a.dir())).isEmpty();
        assertThat(a.dir().resolve(".clean-shutdown")).exists();
        assertThat(b.dir().resolve(".clean-shutdown")).exists();

        final LogManager reopened = new LogManager(dataDir, time, 3_600_000, l -> 60);
        try {
            final PartitionLog a2 = reopened.open("a-0", LogConfig.from(config));
            final PartitionLog b2 = reopened.open("b-1", LogConfig.from(config));
            assertThat(a2.dir().resolve(".clean-shutdown")).doesNotExist();
            assertThat(a2.logStartOffset()).isEqualTo(60);
            assertThat(a2.logEndOffset()).isEqualTo(100);
            assertThat(a2.recoveryPoint()).isEqualTo(100);
            assertThat(readAll(a2, 60)).isEqualTo(range(60, 100));
            assertThat(b2.logStartOffset()).isZero();
            assertThat(readAll(b2, 0)).isEqualTo(range(0, 100));
            time.sleep(10_000_000);
            reopened.runChecks();
            assertThat(b2.logStartOffset()).isEqualTo(60);
            assertThat(a2.append(batch(1, 10, T0)).firstOffset()).isEqualTo(100);
        } finally {
            reopened.close();
        }
    }
}
