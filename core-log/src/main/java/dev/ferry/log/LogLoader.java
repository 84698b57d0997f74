package dev.ferry.log;

import dev.ferry.log.segment.LogFileNames;
import dev.ferry.log.segment.LogFileNames.SegmentFileName;
import dev.ferry.log.segment.LogSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens a partition directory: discards half-finished files, refuses foreign ones, and recovers the segments
 * that may hold unflushed data.
 *
 * <p>Phases, in order:
 * <ol>
 *   <li>List the directory. {@code .tmp} and {@code .deleted} files are finished off (deleted); index files
 *       without their {@code .log} are deleted (indexes are derived data); any other unknown file stops the open
 *       with {@link LogDirectoryException}, since Ferry never deletes what it does not own. The deletions happen
 *       only once the segments loaded: an open that is refused leaves every file as it was.</li>
 *   <li>After a clean shutdown (marker file present) every segment is trusted: its indexes are sanity-checked
 *       and rebuilt when bad.</li>
 *   <li>After a crash every segment is recovered: every batch is checked (length, magic, offset continuity,
 *       term and raft index order, CRC32C) and the indexes rebuilt. Kafka checks only from the recovery point
 *       on, which leaves a bit flipped in older data (a bad sector, a damaged copy) to be served; Ferry reads
 *       each segment once more at a crash restart instead. From the segment holding the recovery point on, the
 *       file is cut at the first invalid byte; segments after a cut hold only unflushed data and are deleted
 *       with it.</li>
 *   <li>Corruption in data the checkpoint says was flushed is not cut silently: the open fails with
 *       {@link LogDirectoryException} naming the segment, so that the replica is repaired from its peers.</li>
 * </ol>
 *
 * <p>Not thread-safe; used once by {@link PartitionLog#open}.
 */
final class LogLoader {
    static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    private final String logIdent;
    private final Path dir;
    private final LogConfig config;

    LogLoader(final String logIdent, final Path dir, final LogConfig config) {
        this.logIdent = logIdent;
        this.dir = dir;
        this.config = config;
    }

    /** The loaded state: segments in offset order, the log start offset and the recovery point. */
    record Loaded(TreeMap<Long, LogSegment> segments, long logStartOffset, long recoveryPoint) {
    }

    Loaded load() throws IOException {
        Files.createDirectories(dir);
        final List<Path> leftovers = new ArrayList<>();
        final TreeMap<Long, Boolean> bases = scanDirectory(leftovers);
        final boolean clean = Files.exists(dir.resolve(CLEAN_SHUTDOWN_FILE));
        PartitionCheckpoint checkpoint;
        try {
            checkpoint = PartitionCheckpoint.read(dir);
        } catch (final IllegalStateException e) {
            LOG.warn("{}unreadable checkpoint, recovering the whole log: {}", logIdent, e.getMessage());
            checkpoint = null;
        }
        final PartitionCheckpoint ckpt = checkpoint == null ? PartitionCheckpoint.NONE : checkpoint;
        final boolean trustCheckpoint = clean && checkpoint != null;
        final Long recoveryBase = bases.floorKey(ckpt.recoveryPoint());
        final TreeMap<Long, LogSegment> segments = new TreeMap<>();
        try {
            loadSegments(bases, segments, trustCheckpoint, recoveryBase == null ? Long.MIN_VALUE : recoveryBase,
                ckpt.recoveryPoint());
            // Only now that the directory was accepted: an open that is refused changes nothing.
            deleteLeftovers(leftovers);
            if (segments.isEmpty()) {
                final long base = ckpt.logStartOffset();
                segments.put(base, LogSegment.open(logIdent, dir, base, config.indexIntervalBytes(),
                    config.segmentIndexBytes(), config.segmentBytes()));
            }
            for (final LogSegment s : segments.values()) {
                if (s != segments.lastEntry().getValue()) {
                    s.onBecomeInactive();
                }
            }
            segments.lastEntry().getValue().onBecomeActive();
        } catch (final IOException | RuntimeException e) {
            for (final LogSegment s : segments.values()) {
                try {
                    s.close();
                } catch (final IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        final long logEnd = segments.lastEntry().getValue().nextOffset();
        final long logStart = Math.min(Math.max(ckpt.logStartOffset(), segments.firstKey()), logEnd);
        final long recoveryPoint = trustCheckpoint ? logEnd : flushRecovered(segments, ckpt.recoveryPoint());
        // The marker must go before anything is appended: a crash from here on is an unclean shutdown.
        if (Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN_FILE))) {
            PartitionCheckpoint.fsyncDirectory(dir);
        }
        LOG.info("{}loaded {} segment(s): logStartOffset={} logEndOffset={} recoveryPoint={} cleanShutdown={}",
            logIdent, segments.size(), logStart, logEnd, recoveryPoint, clean);
        return new Loaded(segments, logStart, recoveryPoint);
    }

    /** Recovered data was validated but may still be only in the page cache: flush it, then it is recovered. */
    private long flushRecovered(final TreeMap<Long, LogSegment> segments, final long recoveryPoint)
        throws IOException {
        final Long from = segments.floorKey(recoveryPoint);
        for (final LogSegment s : segments.tailMap(from == null ? segments.firstKey() : from).values()) {
            s.flush();
        }
        return segments.lastEntry().getValue().nextOffset();
    }

    private void loadSegments(final TreeMap<Long, Boolean> bases, final TreeMap<Long, LogSegment> segments,
                              final boolean clean, final long recoveryBase, final long recoveryPoint)
        throws IOException {
        final ByteBuffer scratch = ByteBuffer.allocate(LogSegment.SCRATCH_BYTES);
        long expectedBase = -1;
        for (final Map.Entry<Long, Boolean> e : bases.entrySet()) {
            final long base = e.getKey();
            if (expectedBase >= 0 && base != expectedBase) {
                throw new LogDirectoryException(logIdent + "segment files are missing in " + dir + ": the log "
                    + "ends at offset=" + expectedBase + " but the next segment starts at baseOffset=" + base
                    + "; restore the missing files or move the directory away");
            }
            final boolean trusted = clean || base < recoveryBase;
            final boolean indexesPresent = e.getValue();
            // Sizes as found: opening the segment preallocates the indexes.
            final long offsetIndexBytes = indexesPresent ? Files.size(LogFileNames.offsetIndexFile(dir, base)) : -1;
            final long timeIndexBytes = indexesPresent ? Files.size(LogFileNames.timeIndexFile(dir, base)) : -1;
            final LogSegment segment = LogSegment.open(logIdent, dir, base, config.indexIntervalBytes(),
                config.segmentIndexBytes(), config.segmentBytes());
            segments.put(base, segment);
            if (clean && indexesPresent && segment.loadFromIndexes(scratch, offsetIndexBytes, timeIndexBytes)) {
                expectedBase = segment.nextOffset();
                continue;
            }
            if (clean) {
                LOG.warn("{}index of segment baseOffset={} is missing or corrupt; rebuilding it", logIdent, base);
            }
            final String cut = segment.recover(base);
            expectedBase = segment.nextOffset();
            if (cut == null) {
                continue;
            }
            if (trusted && segment.nextOffset() < recoveryPoint) {
                throw new LogDirectoryException(logIdent + "corrupt data below the recovery point in segment "
                    + segment.logFile() + ": " + cut + "; recoveryPoint=" + recoveryPoint + ". The data was "
                    + "flushed before, so it is not cut automatically: repair this replica from its peers");
            }
            LOG.warn("{}recovery cut segment baseOffset={}: {}", logIdent, base, cut);
            segment.cutInvalidTail();
            deleteSegmentsAfter(base, bases);
            return;
        }
    }

    private void deleteSegmentsAfter(final long base, final TreeMap<Long, Boolean> bases) throws IOException {
        for (final long later : bases.tailMap(base, false).keySet()) {
            LOG.warn("{}deleting segment baseOffset={}: it follows a cut tail, so it holds only unflushed data",
                logIdent, later);
            Files.deleteIfExists(LogFileNames.logFile(dir, later));
            Files.deleteIfExists(LogFileNames.offsetIndexFile(dir, later));
            Files.deleteIfExists(LogFileNames.timeIndexFile(dir, later));
        }
    }

    private void deleteLeftovers(final List<Path> leftovers) throws IOException {
        for (final Path file : leftovers) {
            LOG.info("{}deleting leftover file {}", logIdent, file.getFileName());
            Files.deleteIfExists(file);
        }
    }

    /**
     * @param leftovers receives the files to delete once the directory is accepted: {@code .tmp} and
     *                  {@code .deleted} files, and index files without their {@code .log}
     * @return base offset to whether both index files exist, for every .log file
     */
    private TreeMap<Long, Boolean> scanDirectory(final List<Path> leftovers) throws IOException {
        final TreeMap<Long, Boolean> logs = new TreeMap<>();
        final List<Path> indexes = new ArrayList<>();
        final List<String> foreign = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (final Path file : files) {
                final String name = file.getFileName().toString();
                final SegmentFileName parsed = LogFileNames.parse(name);
                if (parsed == null) {
                    if (!isOwnFile(name)) {
                        foreign.add(name);
                    }
                } else if (!parsed.stateSuffix().isEmpty()) {
                    // A deletion or a write that did not finish before the last stop: finish it off.
                    leftovers.add(file);
                } else if (LogFileNames.LOG_SUFFIX.equals(parsed.kind())) {
                    logs.put(parsed.baseOffset(), Boolean.TRUE);
                } else {
                    indexes.add(file);
                }
            }
        }
        final Path checkpointTmp = dir.resolve(PartitionCheckpoint.FILE_NAME + ".tmp");
        if (Files.exists(checkpointTmp)) {
            leftovers.add(checkpointTmp);
        }
        if (!foreign.isEmpty()) {
            foreign.sort(null);
            throw new LogDirectoryException(logIdent + "partition directory " + dir + " holds files Ferry does not "
                + "own: " + foreign + "; move them away (Ferry never deletes files it does not know)");
        }
        for (final Path index : indexes) {
            final long base = LogFileNames.parse(index.getFileName().toString()).baseOffset();
            if (!logs.containsKey(base)) {
                LOG.info("{}orphan index file {} (its .log is gone) will be deleted", logIdent,
                    index.getFileName());
                leftovers.add(index);
            }
        }
        for (final Map.Entry<Long, Boolean> e : logs.entrySet()) {
            e.setValue(Files.exists(LogFileNames.offsetIndexFile(dir, e.getKey()))
                && Files.exists(LogFileNames.timeIndexFile(dir, e.getKey())));
        }
        return logs;
    }

    private static boolean isOwnFile(final String name) {
        return name.equals(PartitionCheckpoint.FILE_NAME) || name.equals(PartitionCheckpoint.FILE_NAME + ".tmp")
            || name.equals(CLEAN_SHUTDOWN_FILE);
    }
}
