package dev.ferry.log;

import dev.ferry.log.segment.LogFileNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static dev.ferry.log.TestBatches.batch;
import static dev.ferry.log.TestBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Appends on a full filesystem: a small tmpfs mounted for the test (needs root; skipped otherwise) holds the
 * partition, a filler file takes the rest of the space, and the append that cannot be written must leave the
 * log exactly as it was and usable once space is back.
 */
class DiskFullTest {
    private static final long T0 = 1_700_000_000_000L;

    private final MockTime time = new MockTime(T0);
    private ScheduledExecutorService scheduler;
    private Path mountPoint;
    private TmpfsMount tmpfs;
    private PartitionLog log;

    @BeforeEach
    void setUp() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        mountPoint = Files.createTempDirectory("ferry-disk-full");
        try {
            tmpfs = TmpfsMount.mountOrSkip(mountPoint, "2m");
        } finally {
            if (tmpfs == null) {
                Files.deleteIfExists(mountPoint);
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            if (log != null) {
                log.close();
            }
        } finally {
            scheduler.shutdownNow();
            if (tmpfs != null) {
                tmpfs.close();
            }
            Files.deleteIfExists(mountPoint);
        }
    }

    private PartitionLog open(final int segmentBytes) throws IOException {
        log = PartitionLog.open(mountPoint.resolve("topic-0"), LogConfig.from(Map.of(
            LogConfig.SEGMENT_BYTES, segmentBytes,
            LogConfig.SEGMENT_INDEX_BYTES, 4096,
            LogConfig.INDEX_INTERVAL_BYTES, 1024,
            LogConfig.FILE_DELETE_DELAY_MS, 0)), time, scheduler);
        return log;
    }

    private static List<Long> range(final long from, final long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toList());
    }

    /** @return every byte of every live segment, read through the log */
    private byte[] allBytes() throws IOException {
        final ByteBuffer all = ByteBuffer.allocate((int) log.sizeInBytes());
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            final LogReadSlice slice = log.read(next, 1 << 20, Long.MAX_VALUE);
            slice.readInto(all);
            next = slice.nextOffset();
        }
        assertThat(all.hasRemaining()).isFalse();
        return all.array();
    }

    private void assertLogFileLengthsMatchPublishedSizes() throws IOException {
        long total = 0;
        for (final long base : log.segmentBaseOffsets()) {
            total += Files.size(LogFileNames.logFile(log.dir(), base));
        }
        assertThat(total).as(".log files hold exactly the published bytes").isEqualTo(log.sizeInBytes());
    }

    private void assertAppendFailsLeavingTheLogUnchanged(final long endBefore, final byte[] bytesBefore)
        throws IOException {
        assertThatThrownBy(() -> log.append(batch(50, 100, T0)))
            .isInstanceOfSatisfying(LogStorageException.class, e -> assertThat(e.logOffline()).isFalse())
            .hasMessageContaining("append failed at offset=" + endBefore)
            .hasRootCauseMessage("No space left on device");
        assertThat(log.isOffline()).isFalse();
        assertThat(log.logEndOffset()).isEqualTo(endBefore);
        assertThat(log.sizeInBytes()).isEqualTo(bytesBefore.length);
        assertThat(allBytes()).isEqualTo(bytesBefore);
        assertThat(readAll(log, 0)).isEqualTo(range(0, endBefore));
        assertLogFileLengthsMatchPublishedSizes();
    }

    @Test
    void appendOnAFullDiskLeavesTheLogUnchangedAndSucceedsOnceSpaceIsBack() throws IOException {
        open(1 << 20);
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0 + i));
        }
        final long end = log.logEndOffset();
        final byte[] before = allBytes();
        final Path filler = tmpfs.fill("filler");

        assertAppendFailsLeavingTheLogUnchanged(end, before);
        assertAppendFailsLeavingTheLogUnchanged(end, before);
        assertThat(log.segmentCount()).isEqualTo(1);

        Files.delete(filler);
        assertThat(log.append(batch(50, 100, T0)).firstOffset()).isEqualTo(end);
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(end + 50);
        final byte[] after = allBytes();
        assertThat(readAll(log, 0)).isEqualTo(range(0, end + 51));
        assertLogFileLengthsMatchPublishedSizes();

        log.close();
        open(1 << 20);
        assertThat(log.logEndOffset()).isEqualTo(end + 51);
        assertThat(allBytes()).isEqualTo(after);
        assertThat(readAll(log, 0)).isEqualTo(range(0, end + 51));
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(end + 51);
    }

    @Test
    void rollOnAFullDiskLeavesTheLogUnchangedAndSucceedsOnceSpaceIsBack() throws IOException {
        // Small segments: the failing append needs a new segment, whose index files cannot be preallocated.
        final int segmentBytes = 8 * 1024;
        open(segmentBytes);
        // Six such batches fill a segment; the active one then holds five, and the 50-record batch needs a roll.
        for (int i = 0; i < 23; i++) {
            log.append(batch(10, 100, T0 + i));
        }
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 60L, 120L, 180L);
        final List<Long> segmentsBefore = log.segmentBaseOffsets();
        final long end = log.logEndOffset();
        final byte[] before = allBytes();
        final Path filler = tmpfs.fill("filler");

        assertAppendFailsLeavingTheLogUnchanged(end, before);
        assertAppendFailsLeavingTheLogUnchanged(end, before);
        assertThat(log.segmentBaseOffsets()).isEqualTo(segmentsBefore);

        Files.delete(filler);
        assertThat(log.append(batch(50, 100, T0)).firstOffset()).isEqualTo(end);
        assertThat(log.segmentBaseOffsets()).hasSize(segmentsBefore.size() + 1).endsWith(end);
        final byte[] after = allBytes();
        assertLogFileLengthsMatchPublishedSizes();

        log.close();
        open(segmentBytes);
        assertThat(log.logEndOffset()).isEqualTo(end + 50);
        assertThat(allBytes()).isEqualTo(after);
        assertThat(readAll(log, 0)).isEqualTo(range(0, end + 50));
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(end + 50);
    }

    @Test
    void aRollThatFailedOnAFullDiskLeavesNoFileThatBreaksTheNextOpen() throws IOException {
        final int segmentBytes = 8 * 1024;
        open(segmentBytes);
        for (int i = 0; i < 23; i++) {
            log.append(batch(10, 100, T0 + i));
        }
        final long end = log.logEndOffset();
        final byte[] before = allBytes();
        final Path filler = tmpfs.fill("filler");
        assertAppendFailsLeavingTheLogUnchanged(end, before);
        Files.delete(filler);

        log.close();
        open(segmentBytes);
        assertThat(log.logEndOffset()).isEqualTo(end);
        assertThat(allBytes()).isEqualTo(before);
        assertThat(log.append(batch(50, 100, T0)).firstOffset()).isEqualTo(end);
        assertThat(readAll(log, 0)).isEqualTo(range(0, end + 50));
        try (Stream<Path> files = Files.list(log.dir())) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted(Comparator.naturalOrder()))
                .noneMatch(n -> n.endsWith(LogFileNames.DELETED_SUFFIX) || n.endsWith(LogFileNames.TMP_SUFFIX));
        }
    }
}
