package dev.ferry.log;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.segment.LogFileNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Recovery of a partition directory after crashes, torn writes, garbage, damaged indexes and foreign files. A
 * crash is simulated by copying the directory of a log that was never closed and opening the copy. Every random
 * choice comes from a seeded {@link Random}; the seed is in every assertion message.
 */
class LogRecoveryTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String PARTITION = "topic-0";
    private static final int HEADER = 73;

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime(T0);
    private final List<PartitionLog> opened = new ArrayList<>();
    private ScheduledExecutorService scheduler;
    private int dirs;

    /** How the tail of the active segment is damaged before the reopen. */
    enum CutMode {
        /** Cut anywhere at or above the recovery point; random garbage up to the old length or beyond. */
        RANDOM_CUT_WITH_GARBAGE,
        /** Nothing cut; random garbage appended after the last whole batch. */
        GARBAGE_AFTER_TAIL,
        /** The file ends inside the first 73 bytes of a batch. */
        TORN_HEADER,
        /** Cut exactly at a batch boundary, sometimes followed by garbage: no whole batch is lost. */
        BATCH_BOUNDARY
    }

    /** A batch as the log stored it: its offsets, its bytes (base offset stamped), its first record's time. */
    private record Appended(long baseOffset, long nextOffset, byte[] bytes, long firstTimestamp) {
        int size() {
            return bytes.length;
        }
    }

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        for (final PartitionLog log : opened) {
            try {
                log.close();
            } catch (final IOException | RuntimeException ignored) {
                // best effort: some tests leave logs of directories they damaged
            }
        }
        scheduler.shutdownNow();
    }

    // ---------------------------------------------------------------- 1. crash recovery, property style

    @ParameterizedTest
    @EnumSource(CutMode.class)
    void crashRecoveryKeepsExactlyTheWholeBatchesBeforeTheDamage(final CutMode mode) throws IOException {
        final int iterations = mode == CutMode.RANDOM_CUT_WITH_GARBAGE ? 50 : 20;
        for (int i = 0; i < iterations; i++) {
            crashIteration(mode, 0x5EED_0000L + mode.ordinal() * 1000L + i);
        }
    }

    private void crashIteration(final CutMode mode, final long seed) throws IOException {
        final Random rnd = new Random(seed);
        final String ctx = "seed=" + seed + " mode=" + mode;
        final LogConfig config = LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 8192 + rnd.nextInt(8193),
            LogConfig.INDEX_INTERVAL_BYTES, rnd.nextInt(600)));
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = new ArrayList<>();
        final int count = 5 + rnd.nextInt(60);
        final int checkpointAt = rnd.nextBoolean() ? rnd.nextInt(count) : -1;
        for (int i = 0; i < count; i++) {
            if (i == checkpointAt) {
                log.flush(log.logEndOffset());
                log.checkpoint();
            }
            appended.add(appendRandom(log, rnd));
        }
        final List<Long> bases = log.segmentBaseOffsets();
        final long activeBase = bases.get(bases.size() - 1);
        final Path dir = crashCopy(log);
        final PartitionCheckpoint checkpoint = PartitionCheckpoint.read(dir);
        final long recoveryPoint = checkpoint == null ? 0 : checkpoint.recoveryPoint();

        final List<Appended> active = batchesFrom(appended, activeBase, Long.MAX_VALUE);
        final int[] starts = startPositions(active);
        final int activeSize = starts[active.size()];
        final Path logFile = LogFileNames.logFile(dir, activeBase);
        assertThat(Files.size(logFile)).as("active segment size %s", ctx).isEqualTo(activeSize);
        // A crash does not tear data below the recovery point: it was fsynced.
        int minBatch = 0;
        while (minBatch < active.size() && active.get(minBatch).baseOffset() < recoveryPoint) {
            minBatch++;
        }
        final int minCut = starts[minBatch];
        final int cut;
        int garbage;
        switch (mode) {
            case RANDOM_CUT_WITH_GARBAGE -> {
                cut = minCut + rnd.nextInt(activeSize - minCut + 1);
                garbage = activeSize - cut + (rnd.nextBoolean() ? 0 : rnd.nextInt(400));
            }
            case GARBAGE_AFTER_TAIL -> {
                cut = activeSize;
                garbage = 1 + rnd.nextInt(400);
            }
            case TORN_HEADER -> {
                if (minBatch == active.size()) {
                    return;
                }
                cut = starts[minBatch + rnd.nextInt(active.size() - minBatch)] + 1 + rnd.nextInt(HEADER - 1);
                garbage = 0;
            }
            default -> {
                cut = starts[minBatch + rnd.nextInt(active.size() - minBatch + 1)];
                garbage = rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(400);
            }
        }
        damageTail(logFile, cut, garbage, rnd);

        final List<Appended> expected = new ArrayList<>(batchesFrom(appended, 0, activeBase));
        int keptInActive = 0;
        for (int i = 0; i < active.size() && starts[i + 1] <= cut; i++) {
            expected.add(active.get(i));
            keptInActive = starts[i + 1];
        }
        final long end = expected.isEmpty() ? 0 : expected.get(expected.size() - 1).nextOffset();
        final String detail = ctx + " cut=" + cut + " garbage=" + garbage + " activeBase=" + activeBase
            + " activeSize=" + activeSize + " recoveryPoint=" + recoveryPoint;

        final PartitionLog recovered = open(dir, config);
        assertHolds(recovered, expected, end, detail, rnd);
        assertThat(recovered.segmentBaseOffsets()).as("segments %s", detail).isEqualTo(bases);
        assertThat(Files.size(logFile)).as("cut file size %s", detail).isEqualTo(keptInActive);
        assertThat(recovered.recoveryPoint()).as("recovery point %s", detail).isEqualTo(end);
        final Appended next = appendRandom(recovered, rnd);
        assertThat(next.baseOffset()).as("append after recovery %s", detail).isEqualTo(end);
        expected.add(next);
        assertHolds(recovered, expected, next.nextOffset(), detail + " after append", rnd);
        recovered.close();
        assertHolds(open(dir, config), expected, next.nextOffset(), detail + " after clean reopen", rnd);
    }

    private static void damageTail(final Path file, final int cut, final int garbage, final Random rnd)
        throws IOException {
        final byte[] original = Files.readAllBytes(file);
        final byte[] junk = new byte[garbage];
        rnd.nextBytes(junk);
        if (garbage > 0 && cut < original.length) {
            // The first damaged byte must really differ, or the batch it belongs to might survive intact.
            junk[0] = (byte) (original[cut] ^ (1 + rnd.nextInt(255)));
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
            ch.write(ByteBuffer.wrap(junk), cut);
        }
    }

    // ---------------------------------------------------------------- 2. clean shutdown marker

    @Test
    void cleanShutdownMarkerSkipsTheScanAndIsDeletedOnOpen() throws IOException {
        final long seed = 202;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 40);
        final long end = log.logEndOffset();
        final List<Long> bases = log.segmentBaseOffsets();
        log.close();
        final Path dir = log.dir();
        assertThat(dir.resolve(".clean-shutdown")).as("seed=%d", seed).exists();
        assertThat(PartitionCheckpoint.read(dir)).isEqualTo(new PartitionCheckpoint(end, 0));

        // Flip a CRC'd bit in the last segment, where a scan would cut. The marker says the files are whole,
        // so open must not scan: the batch is still there, byte for byte as it is on disk.
        final Path copy = copyDir(dir);
        final long lastBase = bases.get(bases.size() - 1);
        final List<Appended> last = batchesFrom(appended, lastBase, Long.MAX_VALUE);
        final int victim = rnd.nextInt(last.size());
        final int at = startPositions(last)[victim] + HEADER + rnd.nextInt(last.get(victim).size() - HEADER);
        final int bit = rnd.nextInt(8);
        flipBit(LogFileNames.logFile(dir, lastBase), at, bit);
        flipBit(LogFileNames.logFile(copy, lastBase), at, bit);

        final PartitionLog clean = open(dir, config);
        assertThat(clean.logEndOffset()).as("seed=%d", seed).isEqualTo(end);
        assertThat(clean.recoveryPoint()).isEqualTo(end);
        assertThat(dir.resolve(".clean-shutdown")).as("marker deleted on open, seed=%d", seed).doesNotExist();
        assertThat(Arrays.equals(readBytes(clean, end), concatSegments(dir, bases)))
            .as("served as on disk, seed=%d", seed).isTrue();

        // The same files without the marker are scanned, and the corrupt batch and everything after it is cut.
        Files.delete(copy.resolve(".clean-shutdown"));
        final PartitionLog scanned = open(copy, config);
        final List<Appended> expected = new ArrayList<>(batchesFrom(appended, 0, lastBase));
        expected.addAll(last.subList(0, victim));
        assertHolds(scanned, expected, last.get(victim).baseOffset(), "seed=" + seed + " no marker", rnd);
    }

    @Test
    void crashAfterACleanReopenIsUnclean() throws IOException {
        final long seed = 203;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 30);
        log.close();
        log = open(log.dir(), config);
        assertThat(log.dir().resolve(".clean-shutdown")).as("seed=%d", seed).doesNotExist();
        final long closedEnd = log.logEndOffset();
        final List<Appended> after = appendMany(log, rnd, 10);
        final Path dir = crashCopy(log);
        assertThat(dir.resolve(".clean-shutdown")).as("seed=%d", seed).doesNotExist();
        assertThat(PartitionCheckpoint.read(dir)).isEqualTo(new PartitionCheckpoint(closedEnd, 0));

        // Corrupt one record of a batch appended after the reopen, without touching any length: only a CRC
        // check finds it, so the open must scan from the recovery point.
        final List<Long> bases = log.segmentBaseOffsets();
        final long lastBase = bases.get(bases.size() - 1);
        final List<Appended> last = batchesFrom(appended, lastBase, Long.MAX_VALUE);
        last.addAll(batchesFrom(after, lastBase, Long.MAX_VALUE));
        int victim = rnd.nextInt(last.size());
        while (last.get(victim).baseOffset() < closedEnd) {
            victim++;
        }
        final int at = startPositions(last)[victim] + HEADER + rnd.nextInt(last.get(victim).size() - HEADER);
        flipBit(LogFileNames.logFile(dir, lastBase), at, rnd.nextInt(8));

        final PartitionLog recovered = open(dir, config);
        final List<Appended> expected = new ArrayList<>(appended);
        expected.addAll(after);
        final long cutAt = last.get(victim).baseOffset();
        expected.removeIf(a -> a.baseOffset() >= cutAt);
        assertHolds(recovered, expected, cutAt, "seed=" + seed + " victim=" + victim, rnd);
        assertThat(recovered.append(TestBatches.batch(1, 10, T0)).firstOffset()).isEqualTo(cutAt);
    }

    // ---------------------------------------------------------------- 3. damaged indexes

    /** Ways to damage an index file. */
    enum IndexDamage {
        DELETE_OFFSET_INDEX, DELETE_TIME_INDEX, TRUNCATE_OFFSET_INDEX_MID_ENTRY, TRUNCATE_TIME_INDEX_MID_ENTRY,
        GARBAGE_OFFSET_INDEX, GARBAGE_TIME_INDEX, ZERO_OFFSET_INDEX, ZERO_TIME_INDEX, EMPTY_OFFSET_INDEX,
        OFFSET_INDEX_POSITION_PAST_END, OFFSET_INDEX_SHIFTED_POSITIONS, TIME_INDEX_OFFSET_PAST_SEGMENT
    }

    @ParameterizedTest
    @EnumSource(IndexDamage.class)
    void damagedIndexOfAClosedSegmentIsRebuiltAndLookupsAreExact(final IndexDamage damage) throws IOException {
        final long seed = 300 + damage.ordinal();
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 60);
        final long end = log.logEndOffset();
        final List<Long> bases = log.segmentBaseOffsets();
        assertThat(bases).as("seed=%d", seed).hasSizeGreaterThanOrEqualTo(3);
        log.close();
        final Path dir = log.dir();
        final Map<String, String> before = snapshot(dir);
        final long victim = bases.get(1);
        damageIndex(dir, victim, damage, rnd);

        final String ctx = "seed=" + seed + " damage=" + damage;
        final PartitionLog reopened = open(dir, config);
        assertHolds(reopened, appended, end, ctx, rnd);
        reopened.close();
        assertThat(changes(before, snapshot(dir))).as("indexes rebuilt byte for byte, %s", ctx).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = IndexDamage.class, names = {"GARBAGE_OFFSET_INDEX", "GARBAGE_TIME_INDEX",
        "OFFSET_INDEX_POSITION_PAST_END", "TRUNCATE_OFFSET_INDEX_MID_ENTRY", "DELETE_TIME_INDEX"})
    void damagedIndexOfTheActiveSegmentAfterACrashIsRebuilt(final IndexDamage damage) throws IOException {
        final long seed = 400 + damage.ordinal();
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 50);
        final long end = log.logEndOffset();
        final List<Long> bases = log.segmentBaseOffsets();
        final Path dir = crashCopy(log);
        damageIndex(dir, bases.get(bases.size() - 1), damage, rnd);

        final String ctx = "seed=" + seed + " damage=" + damage;
        final PartitionLog reopened = open(dir, config);
        assertHolds(reopened, appended, end, ctx, rnd);
        final Appended next = appendRandom(reopened, rnd);
        assertThat(next.baseOffset()).as(ctx).isEqualTo(end);
        final List<Appended> all = new ArrayList<>(appended);
        all.add(next);
        assertHolds(reopened, all, next.nextOffset(), ctx, rnd);
    }

    private static void damageIndex(final Path dir, final long base, final IndexDamage damage, final Random rnd)
        throws IOException {
        final Path offsets = LogFileNames.offsetIndexFile(dir, base);
        final Path times = LogFileNames.timeIndexFile(dir, base);
        final byte[] oi = Files.readAllBytes(offsets);
        final byte[] ti = Files.readAllBytes(times);
        assertThat(oi.length).as("offset index of %d has entries", base).isGreaterThanOrEqualTo(16);
        assertThat(ti.length).as("time index of %d has entries", base).isGreaterThanOrEqualTo(12);
        switch (damage) {
            case DELETE_OFFSET_INDEX -> Files.delete(offsets);
            case DELETE_TIME_INDEX -> Files.delete(times);
            case TRUNCATE_OFFSET_INDEX_MID_ENTRY -> Files.write(offsets, Arrays.copyOf(oi, oi.length - 3));
            case TRUNCATE_TIME_INDEX_MID_ENTRY -> Files.write(times, Arrays.copyOf(ti, ti.length - 5));
            case GARBAGE_OFFSET_INDEX -> Files.write(offsets, randomBytes(rnd, oi.length));
            case GARBAGE_TIME_INDEX -> Files.write(times, randomBytes(rnd, ti.length));
            case ZERO_OFFSET_INDEX -> Files.write(offsets, new byte[oi.length]);
            case ZERO_TIME_INDEX -> Files.write(times, new byte[ti.length]);
            case EMPTY_OFFSET_INDEX -> Files.write(offsets, new byte[0]);
            case OFFSET_INDEX_POSITION_PAST_END -> {
                final ByteBuffer b = ByteBuffer.wrap(oi);
                final int last = lastNonZeroEntry(oi, 8);
                b.putInt(last * 8 + 4, Integer.MAX_VALUE - 8);
                Files.write(offsets, oi);
            }
            case OFFSET_INDEX_SHIFTED_POSITIONS -> {
                // Still sorted and inside the file, but no entry points at a batch start any more.
                final ByteBuffer b = ByteBuffer.wrap(oi);
                for (int i = 0; i <= lastNonZeroEntry(oi, 8); i++) {
                    b.putInt(i * 8 + 4, b.getInt(i * 8 + 4) + 1 + i % 3);
                }
                Files.write(offsets, oi);
            }
            default -> {
                final ByteBuffer b = ByteBuffer.wrap(ti);
                final int last = lastNonZeroEntry(ti, 12);
                b.putInt(last * 12 + 8, b.getInt(last * 12 + 8) + 100_000);
                Files.write(times, ti);
            }
        }
    }

    private static int lastNonZeroEntry(final byte[] index, final int entrySize) {
        for (int i = index.length / entrySize - 1; i > 0; i--) {
            for (int j = 0; j < entrySize; j++) {
                if (index[i * entrySize + j] != 0) {
                    return i;
                }
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- 4. foreign and leftover files

    @Test
    void foreignFileIsRefusedNamingItAndNothingIsTouched() throws IOException {
        final Random rnd = new Random(404);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        appendMany(log, rnd, 30);
        final long base = log.segmentBaseOffsets().get(1);
        log.close();
        final Path dir = log.dir();
        Files.writeString(dir.resolve("notes.txt"), "operator notes\n");
        // Leftovers that a successful open would finish off must also survive a refused open.
        Files.write(dir.resolve(LogFileNames.filenamePrefix(base) + ".log.deleted"), randomBytes(rnd, 100));
        Files.write(dir.resolve(LogFileNames.filenamePrefix(0) + ".log.tmp"), randomBytes(rnd, 50));
        Files.write(dir.resolve(LogFileNames.filenamePrefix(999_999) + ".index"), new byte[16]);
        final Map<String, String> before = snapshot(dir);

        assertThatThrownBy(() -> open(dir, config))
            .isInstanceOf(LogDirectoryException.class)
            .hasMessageContaining("notes.txt")
            .hasMessageContaining(dir.toString());
        assertThat(changes(before, snapshot(dir))).isEmpty();
    }

    @Test
    void leftoverTmpAndDeletedFilesAndOrphanIndexesAreRemovedOnOpen() throws IOException {
        final long seed = 405;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 30);
        final long end = log.logEndOffset();
        final long base = log.segmentBaseOffsets().get(1);
        log.close();
        final Path dir = log.dir();
        final Map<String, String> segmentFiles = snapshot(dir);
        segmentFiles.remove(PartitionCheckpoint.FILE_NAME);
        segmentFiles.remove(".clean-shutdown");
        final List<String> leftovers = List.of(
            LogFileNames.filenamePrefix(base) + ".log.deleted",
            LogFileNames.filenamePrefix(base) + ".index.deleted",
            LogFileNames.filenamePrefix(base) + ".timeindex.deleted",
            LogFileNames.filenamePrefix(0) + ".log.tmp",
            LogFileNames.filenamePrefix(end + 5) + ".index.tmp",
            LogFileNames.filenamePrefix(end + 5) + ".index",
            LogFileNames.filenamePrefix(end + 5) + ".timeindex",
            PartitionCheckpoint.FILE_NAME + ".tmp");
        for (final String name : leftovers) {
            Files.write(dir.resolve(name), randomBytes(rnd, 48));
        }

        final PartitionLog reopened = open(dir, config);
        assertHolds(reopened, appended, end, "seed=" + seed, rnd);
        for (final String name : leftovers) {
            assertThat(dir.resolve(name)).as("seed=%d", seed).doesNotExist();
        }
        reopened.close();
        final Map<String, String> after = snapshot(dir);
        after.remove(PartitionCheckpoint.FILE_NAME);
        after.remove(".clean-shutdown");
        assertThat(changes(segmentFiles, after)).as("segment files unchanged, seed=%d", seed).isEmpty();
    }

    // ---------------------------------------------------------------- 5. missing middle segment

    @Test
    void missingMiddleSegmentIsRefusedNamingTheOffsetsAndNothingIsTouched() throws IOException {
        final Random rnd = new Random(505);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        while (log.segmentCount() < 3) {
            appendRandom(log, rnd);
        }
        final List<Long> bases = log.segmentBaseOffsets();
        log.close();
        final Path dir = log.dir();
        Files.delete(LogFileNames.logFile(dir, bases.get(1)));
        final Map<String, String> before = snapshot(dir);

        assertThatThrownBy(() -> open(dir, config))
            .isInstanceOf(LogDirectoryException.class)
            .hasMessageContaining("offset=" + bases.get(1))
            .hasMessageContaining("baseOffset=" + bases.get(2));
        assertThat(changes(before, snapshot(dir))).isEmpty();
        // The same after a crash (no marker, no checkpoint): every segment is scanned, the answer is the same.
        Files.delete(dir.resolve(".clean-shutdown"));
        Files.delete(dir.resolve(PartitionCheckpoint.FILE_NAME));
        final Map<String, String> unclean = snapshot(dir);
        assertThatThrownBy(() -> open(dir, config))
            .isInstanceOf(LogDirectoryException.class)
            .hasMessageContaining("offset=" + bases.get(1))
            .hasMessageContaining("baseOffset=" + bases.get(2));
        assertThat(changes(unclean, snapshot(dir))).isEmpty();
    }

    // ---------------------------------------------------------------- 6. flipped bits

    /** A crash copy of a flushed, checkpointed log of several segments, one bit flipped in its first one. */
    private record FlippedCopy(Path dir, LogConfig config, Appended victim) {
    }

    private FlippedCopy flushedCrashCopyWithAFlippedBit(final Random rnd) throws IOException {
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 60);
        log.flush(log.logEndOffset());
        log.checkpoint();
        final List<Long> bases = log.segmentBaseOffsets();
        final Path dir = crashCopy(log);
        final List<Appended> first = batchesFrom(appended, 0, bases.get(1));
        final int victim = first.size() / 2;
        final int at = startPositions(first)[victim] + HEADER + rnd.nextInt(first.get(victim).size() - HEADER);
        flipBit(LogFileNames.logFile(dir, 0), at, rnd.nextInt(8));
        return new FlippedCopy(dir, config, first.get(victim));
    }

    @Test
    void corruptFlushedSegmentWithDamagedIndexIsRefusedAndNothingIsCut() throws IOException {
        final long seed = 606;
        final Random rnd = new Random(seed);
        final FlippedCopy copy = flushedCrashCopyWithAFlippedBit(rnd);
        final Path dir = copy.dir();
        final LogConfig config = copy.config();
        Files.write(LogFileNames.offsetIndexFile(dir, 0), randomBytes(rnd, 64));
        final Map<String, String> logsBefore = logFiles(dir);
        final List<String> namesBefore = List.copyOf(snapshot(dir).keySet());

        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> open(dir, config))
                .as("seed=%d attempt=%d", seed, attempt)
                .isInstanceOf(LogDirectoryException.class)
                .hasMessageContaining("corrupt data below the recovery point")
                .hasMessageContaining(LogFileNames.logFile(dir, 0).getFileName().toString())
                .hasMessageContaining("batchBaseOffset=" + copy.victim().baseOffset());
            assertThat(changes(logsBefore, logFiles(dir))).as("no .log byte cut, seed=%d", seed).isEmpty();
            assertThat(snapshot(dir).keySet()).as("no file deleted, seed=%d", seed)
                .containsExactlyElementsOf(namesBefore);
        }
    }

    @Test
    void corruptFlushedSegmentWithAnIntactIndexIsFoundAfterACrash() throws IOException {
        // Its index alone looks fine: only reading the batches finds the flipped bit. After a crash every
        // segment is read, so the damage is refused instead of served.
        final long seed = 607;
        final FlippedCopy copy = flushedCrashCopyWithAFlippedBit(new Random(seed));
        final Path dir = copy.dir();
        final Map<String, String> logsBefore = logFiles(dir);

        assertThatThrownBy(() -> open(dir, copy.config()))
            .as("seed=%d", seed)
            .isInstanceOf(LogDirectoryException.class)
            .hasMessageContaining("corrupt data below the recovery point")
            .hasMessageContaining("batchBaseOffset=" + copy.victim().baseOffset());
        assertThat(changes(logsBefore, logFiles(dir))).as("no .log byte cut, seed=%d", seed).isEmpty();
    }

    @Test
    void corruptUnflushedSegmentIsCutAtTheBatchAndLaterSegmentsAreRemoved() throws IOException {
        final long seed = 607;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 15);
        log.flush(log.logEndOffset());
        log.checkpoint();
        final long recoveryPoint = log.logEndOffset();
        while (log.segmentCount() < 6) {
            appended.add(appendRandom(log, rnd));
        }
        final List<Long> bases = log.segmentBaseOffsets();
        final int victimSegment = bases.size() - 3;
        assertThat(bases.get(victimSegment)).as("seed=%d", seed).isGreaterThan(recoveryPoint);
        final Path dir = crashCopy(log);
        final List<Appended> seg = batchesFrom(appended, bases.get(victimSegment), bases.get(victimSegment + 1));
        final int victim = rnd.nextInt(seg.size());
        final int at = startPositions(seg)[victim] + HEADER + rnd.nextInt(seg.get(victim).size() - HEADER);
        flipBit(LogFileNames.logFile(dir, bases.get(victimSegment)), at, rnd.nextInt(8));

        final PartitionLog recovered = open(dir, config);
        final long cutAt = seg.get(victim).baseOffset();
        final List<Appended> expected = batchesFrom(appended, 0, cutAt);
        final String ctx = "seed=" + seed + " victim=" + victim + " cutAt=" + cutAt;
        assertHolds(recovered, expected, cutAt, ctx, rnd);
        assertThat(recovered.segmentBaseOffsets()).as(ctx).isEqualTo(bases.subList(0, victimSegment + 1));
        for (final long gone : bases.subList(victimSegment + 1, bases.size())) {
            assertThat(LogFileNames.logFile(dir, gone)).as(ctx).doesNotExist();
            assertThat(LogFileNames.offsetIndexFile(dir, gone)).as(ctx).doesNotExist();
            assertThat(LogFileNames.timeIndexFile(dir, gone)).as(ctx).doesNotExist();
        }
        assertThat(recovered.append(TestBatches.batch(2, 10, T0)).firstOffset()).as(ctx).isEqualTo(cutAt);
    }

    // ---------------------------------------------------------------- 7. truncation then crash

    @Test
    void truncationSurvivesACrashAndOffsetsContinue() throws IOException {
        final long seed = 707;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 60);
        final Appended cutBatch = appended.get(appended.size() / 3);
        final long target = cutBatch.baseOffset() + (cutBatch.nextOffset() - cutBatch.baseOffset()) / 2;
        assertThat(log.truncateTo(target)).as("seed=%d", seed).isEqualTo(cutBatch.baseOffset());
        final Path dir = crashCopy(log);

        final PartitionLog recovered = open(dir, config);
        final List<Appended> expected = batchesFrom(appended, 0, cutBatch.baseOffset());
        assertHolds(recovered, expected, cutBatch.baseOffset(), "seed=" + seed, rnd);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("seed=%d", seed)
                .noneMatch(n -> n.endsWith(".deleted"));
        }
        final Appended next = appendRandom(recovered, rnd);
        assertThat(next.baseOffset()).as("seed=%d", seed).isEqualTo(cutBatch.baseOffset());
    }

    @Test
    void truncationBelowACheckpointedRecoveryPointThenNewDataThenCrash() throws IOException {
        final long seed = 708;
        final Random rnd = new Random(seed);
        final LogConfig config = smallSegments();
        final PartitionLog log = open(newDir(), config);
        final List<Appended> appended = appendMany(log, rnd, 80);
        log.flush(log.logEndOffset());
        log.checkpoint();
        final long oldRecoveryPoint = log.logEndOffset();
        final long target = appended.get(10).baseOffset();
        assertThat(log.truncateTo(target)).as("seed=%d", seed).isEqualTo(target);
        final List<Appended> expected = new ArrayList<>(appended.subList(0, 10));
        // New, never flushed data below the old recovery point, in new segments.
        while (log.logEndOffset() < oldRecoveryPoint) {
            expected.add(appendRandom(log, rnd));
        }
        final List<Long> bases = log.segmentBaseOffsets();
        final Path dir = crashCopy(log);
        // The crash lost the tail of an unflushed segment that is not the last one.
        final int victimSegment = bases.size() - 2;
        final List<Appended> seg = batchesFrom(expected, bases.get(victimSegment), bases.get(victimSegment + 1));
        final int victim = rnd.nextInt(seg.size());
        final int cut = startPositions(seg)[victim] + 1 + rnd.nextInt(seg.get(victim).size() - 1);
        damageTail(LogFileNames.logFile(dir, bases.get(victimSegment)), cut, 0, rnd);

        final long cutAt = seg.get(victim).baseOffset();
        final String ctx = "seed=" + seed + " cutAt=" + cutAt + " oldRecoveryPoint=" + oldRecoveryPoint;
        final PartitionLog recovered = open(dir, config);
        expected.removeIf(a -> a.baseOffset() >= cutAt);
        assertHolds(recovered, expected, cutAt, ctx, rnd);
        assertThat(recovered.segmentBaseOffsets()).as(ctx).isEqualTo(bases.subList(0, victimSegment + 1));
        assertThat(recovered.append(TestBatches.batch(1, 10, T0)).firstOffset()).as(ctx).isEqualTo(cutAt);
    }

    // ---------------------------------------------------------------- helpers

    private static LogConfig smallSegments() {
        return LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 8192, LogConfig.INDEX_INTERVAL_BYTES, 256));
    }

    private PartitionLog open(final Path dir, final LogConfig config) throws IOException {
        final PartitionLog log = PartitionLog.open(dir, config, time, scheduler);
        opened.add(log);
        return log;
    }

    private Path newDir() {
        return tmp.resolve("d" + dirs++).resolve(PARTITION);
    }

    /** A crash: the files of a log that was never closed, as they are now, in a fresh directory. */
    private Path crashCopy(final PartitionLog log) throws IOException {
        return copyDir(log.dir());
    }

    private Path copyDir(final Path dir) throws IOException {
        final Path copy = newDir();
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (final Path f : files.collect(Collectors.toList())) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        return copy;
    }

    private static Appended appendRandom(final PartitionLog log, final Random rnd) {
        final int records = 1 + rnd.nextInt(12);
        final int valueBytes = rnd.nextInt(200);
        // Timestamps grow with offsets but jitter, so batches are not in time order.
        final long ts = T0 + log.logEndOffset() * 3 + rnd.nextInt(200) - 100;
        final ByteBuffer batch = TestBatches.batch(records, valueBytes, ts);
        final LogAppendInfo info = log.append(batch);
        final byte[] bytes = new byte[batch.remaining()];
        batch.duplicate().get(bytes);
        return new Appended(info.firstOffset(), info.lastOffset() + 1, bytes, ts);
    }

    private static List<Appended> appendMany(final PartitionLog log, final Random rnd, final int n) {
        final List<Appended> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(appendRandom(log, rnd));
        }
        return out;
    }

    private static List<Appended> batchesFrom(final List<Appended> all, final long from, final long to) {
        return all.stream().filter(a -> a.baseOffset() >= from && a.baseOffset() < to)
            .collect(Collectors.toCollection(ArrayList::new));
    }

    /** @return the file position of each batch, plus the end of the last one */
    private static int[] startPositions(final List<Appended> batches) {
        final int[] starts = new int[batches.size() + 1];
        for (int i = 0; i < batches.size(); i++) {
            starts[i + 1] = starts[i] + batches.get(i).size();
        }
        return starts;
    }

    /**
     * Asserts the log holds exactly {@code expected}: the log end, every batch's bytes in a full scan, the batch
     * found by reads at random offsets, and offsetForTimestamp at random times.
     */
    private static void assertHolds(final PartitionLog log, final List<Appended> expected, final long end,
                                    final String ctx, final Random rnd) throws IOException {
        assertThat(log.logEndOffset()).as("logEndOffset %s", ctx).isEqualTo(end);
        final List<byte[]> read = splitBatches(readBytes(log, end));
        final List<Long> readBases = read.stream().map(LogRecoveryTest::baseOffsetOf).collect(Collectors.toList());
        assertThat(readBases).as("batch base offsets %s", ctx)
            .isEqualTo(expected.stream().map(Appended::baseOffset).collect(Collectors.toList()));
        for (int i = 0; i < read.size(); i++) {
            assertThat(Arrays.equals(read.get(i), expected.get(i).bytes()))
                .as("bytes of batch baseOffset=%d %s", expected.get(i).baseOffset(), ctx).isTrue();
        }
        final long start = log.logStartOffset();
        for (int i = 0; i < 25 && end > start; i++) {
            final long o = start + (long) (rnd.nextDouble() * (end - start));
            final LogReadSlice slice = log.read(o, 1, end);
            final Appended want = expected.stream().filter(a -> a.nextOffset() > o).findFirst().orElseThrow();
            assertThat(slice.firstBatchBaseOffset()).as("read(%d) %s", o, ctx).isEqualTo(want.baseOffset());
            final byte[] first = splitBatches(bytesOf(slice)).get(0);
            assertThat(Arrays.equals(first, want.bytes())).as("read(%d) bytes %s", o, ctx).isTrue();
        }
        for (int i = 0; i < 25; i++) {
            final long t = T0 - 150 + rnd.nextInt((int) (3 * end + 330));
            assertThat(log.offsetForTimestamp(t)).as("offsetForTimestamp(%d) %s", t, ctx)
                .isEqualTo(expectedOffsetForTimestamp(expected, t));
        }
    }

    private static long expectedOffsetForTimestamp(final List<Appended> batches, final long t) {
        for (final Appended a : batches) {
            for (long o = a.baseOffset(); o < a.nextOffset(); o++) {
                if (a.firstTimestamp() + (o - a.baseOffset()) >= t) {
                    return o;
                }
            }
        }
        return -1;
    }

    private static byte[] readBytes(final PartitionLog log, final long end) throws IOException {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        long next = log.logStartOffset();
        while (next < end) {
            final LogReadSlice slice = log.read(next, 1 << 20, end);
            assertThat(slice.isEmpty()).as("read(%d) up to %d", next, end).isFalse();
            all.write(bytesOf(slice));
            next = slice.nextOffset();
        }
        return all.toByteArray();
    }

    private static byte[] bytesOf(final LogReadSlice slice) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(buf);
        return buf.array();
    }

    private static List<byte[]> splitBatches(final byte[] bytes) {
        final List<byte[]> out = new ArrayList<>();
        final ByteBuffer buf = ByteBuffer.wrap(bytes);
        for (int pos = 0; pos < bytes.length; ) {
            final int size = RecordBatch.sizeAt(buf, pos);
            out.add(Arrays.copyOfRange(bytes, pos, pos + size));
            pos += size;
        }
        return out;
    }

    private static long baseOffsetOf(final byte[] batch) {
        return ByteBuffer.wrap(batch).getLong(0);
    }

    private static byte[] concatSegments(final Path dir, final List<Long> bases) throws IOException {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (final long base : bases) {
            all.write(Files.readAllBytes(LogFileNames.logFile(dir, base)));
        }
        return all.toByteArray();
    }

    private static void flipBit(final Path file, final long position, final int bit) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            final ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ (1 << bit))).rewind();
            ch.write(b, position);
        }
    }

    private static byte[] randomBytes(final Random rnd, final int n) {
        final byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** @return file name to length and SHA-256 of the content, for every file in the directory */
    private static Map<String, String> snapshot(final Path dir) throws IOException {
        final Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (final Path f : files.collect(Collectors.toList())) {
                final byte[] bytes = Files.readAllBytes(f);
                out.put(f.getFileName().toString(), bytes.length + ":" + sha256(bytes));
            }
        }
        return out;
    }

    /** @return every file added, removed or changed between two snapshots, with its old and new state */
    private static Map<String, String> changes(final Map<String, String> before, final Map<String, String> after) {
        final Map<String, String> out = new TreeMap<>();
        for (final String name : before.keySet()) {
            if (!before.get(name).equals(after.get(name))) {
                out.put(name, before.get(name) + " -> " + after.get(name));
            }
        }
        for (final String name : after.keySet()) {
            if (!before.containsKey(name)) {
                out.put(name, "(absent) -> " + after.get(name));
            }
        }
        return out;
    }

    private static Map<String, String> logFiles(final Path dir) throws IOException {
        final Map<String, String> all = snapshot(dir);
        all.keySet().removeIf(n -> !n.endsWith(LogFileNames.LOG_SUFFIX));
        return all;
    }

    private static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
