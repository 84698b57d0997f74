package dev.ferry.log;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchLayout;
import dev.ferry.log.record.TimestampAndOffset;
import dev.ferry.log.segment.LogSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One partition's log: an ordered set of segments in one directory, appended by one writer and read by many.
 *
 * <p><b>Writes.</b> {@link #append} validates every batch (size, CRC, record structure) before touching a file,
 * so a bad batch leaves the log unchanged; then it stamps base offsets (and, for the replication layer, the
 * Raft term and index) into the batch headers, outside the CRC'd region, and writes the caller's bytes as they
 * are into the page cache. No fsync per append: durability comes from replication; {@code flush.messages},
 * {@code flush.ms} and {@link #flush(long)} force data to disk, and a checkpoint records the recovery point.
 *
 * <p><b>Reads.</b> {@link #read} takes no lock: it finds the segment in a concurrent map, the batch through the
 * sparse index and a few batch headers, and returns a {@link LogReadSlice} of whole batches below the bound the
 * caller gives (the high watermark), which the network layer sends with sendfile.
 *
 * <p><b>Files.</b> See {@link LogLoader} for recovery and {@link dev.ferry.log.segment.LogFileNames} for names.
 *
 * <p>Single writer, concurrent readers: the mutating methods ({@code append}, {@code truncateTo*},
 * {@code deleteRecordsBefore}, {@code deleteOldSegments}, {@code close}) serialise on the log's one lock and
 * are meant to be called from the partition's writer thread; {@link #flush} may run on any thread and does
 * not block appends while it forces data; {@code read}, {@code offsetForTimestamp} and the offset accessors
 * are lock-free.
 */
public final class PartitionLog implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String name;
    private final String logIdent;
    private final Path dir;
    /** Replaced whole by {@link #updateConfig}; every use reads it once. */
    private volatile LogConfig config;
    private final Time time;
    private final ScheduledExecutorService scheduler;
    private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final List<LogSegment> pendingDeletes = new ArrayList<>();
    private final ThreadLocal<ReadScratch> readScratch = ThreadLocal.withInitial(ReadScratch::new);
    private final RecordBatch appendBatch = new RecordBatch();
    private final Object flushLock = new Object();

    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile long recoveryPoint;
    private volatile boolean offline;
    private volatile boolean closed;
    private volatile long lastFlushMs;
    private long truncations;

    private PartitionLog(final Path dir, final LogConfig config, final Time time,
                         final ScheduledExecutorService scheduler, final LogLoader.Loaded loaded) {
        this.name = dir.getFileName().toString();
        this.logIdent = "partition=" + name + " ";
        this.dir = dir;
        this.config = config;
        this.time = time;
        this.scheduler = scheduler;
        this.segments.putAll(loaded.segments());
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = segments.lastEntry().getValue().nextOffset();
        this.recoveryPoint = loaded.recoveryPoint();
        this.lastFlushMs = time.milliseconds();
    }

    /**
     * Opens (creating when absent) the log in {@code dir}, recovering it as {@link LogLoader} describes.
     *
     * @param dir the partition directory; its name identifies the partition in logs and errors
     * @param config the log settings
     * @param time the clock
     * @param scheduler runs background flushes after a roll and delayed file deletions
     * @return the open log
     * @throws IOException on an I/O error while loading
     * @throws LogDirectoryException when the directory holds foreign files or flushed data is corrupt
     */
    public static PartitionLog open(final Path dir, final LogConfig config, final Time time,
                                    final ScheduledExecutorService scheduler) throws IOException {
        final LogLoader.Loaded loaded = new LogLoader("partition=" + dir.getFileName() + " ", dir, config).load();
        return new PartitionLog(dir, config, time, scheduler, loaded);
    }

    /**
     * Appends one or more batches, assigning their offsets. Equivalent to {@code append(batches, -1, -1)}.
     *
     * @param batches concatenated batches between position and limit; their header fields baseOffset is
     *                overwritten; position and limit are not changed
     * @return the offsets assigned
     * @throws dev.ferry.log.record.InvalidBatchException when a batch is malformed or too large; nothing was
     *         written
     * @throws LogStorageException when the write failed
     */
    public LogAppendInfo append(final ByteBuffer batches) {
        return append(batches, -1L, -1L);
    }

    /**
     * Appends one or more batches, assigning their offsets and stamping the replication layer's term and raft
     * index into each batch header (outside the CRC, so the batch is not re-encoded).
     *
     * @param batches concatenated batches between position and limit; baseOffset, leaderTerm and raftIndex
     *                are overwritten; position and limit are not changed
     * @param leaderTerm the Raft term to stamp, or -1 to leave the field as it is
     * @param raftIndex the Raft log index to stamp, or -1 to leave the field as it is
     * @return the offsets assigned
     * @throws dev.ferry.log.record.InvalidBatchException when a batch is malformed or too large; nothing was
     *         written
     * @throws LogStorageException when the write failed
     */
    public LogAppendInfo append(final ByteBuffer batches, final long leaderTerm, final long raftIndex) {
        final LogAppendInfo info = appendLocked(batches, leaderTerm, raftIndex);
        if (logEndOffset - recoveryPoint >= config.flushMessages()) {
            flush(logEndOffset);
        }
        return info;
    }

    private synchronized LogAppendInfo appendLocked(final ByteBuffer batches, final long leaderTerm,
                                                    final long raftIndex) {
        ensureWritable();
        final RecordBatch batch = appendBatch;
        final int start = batches.position();
        final int limit = batches.limit();
        if (start >= limit) {
            throw new IllegalArgumentException(logIdent + "empty append: no batch between position=" + start
                + " and limit=" + limit);
        }
        int batchCount = 0;
        for (int pos = start; pos < limit; batchCount++) {
            batch.wrap(batches, pos).ensureValid(config.maxBatchBytes());
            pos += batch.sizeInBytes();
        }
        final long firstOffset = logEndOffset;
        long next = firstOffset;
        long maxTimestamp = -1;
        for (int pos = start; pos < limit; pos += batch.sizeInBytes()) {
            batch.wrap(batches, pos);
            batch.baseOffset(next);
            if (leaderTerm >= 0) {
                batch.leaderTerm(leaderTerm);
            }
            if (raftIndex >= 0) {
                batch.raftIndex(raftIndex);
            }
            next = batch.nextOffset();
            maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp());
        }
        final int size = limit - start;
        LogSegment active = segments.lastEntry().getValue();
        try {
            if (active.shouldRoll(size, next - 1, maxTimestamp, config.segmentBytes(), config.segmentMs())) {
                active = roll();
            }
            active.append(batches);
        } catch (final IOException e) {
            throw storageError("append failed at offset=" + firstOffset + " size=" + size
                + "; the partial write was cut and the log is unchanged", e, false);
        }
        logEndOffset = next;
        return new LogAppendInfo(firstOffset, next - 1, maxTimestamp, batchCount, size);
    }

    private LogSegment roll() throws IOException {
        final LogSegment previous = segments.lastEntry().getValue();
        final long base = logEndOffset;
        previous.onBecomeInactive();
        final LogSegment next = LogSegment.open(logIdent, dir, base, config.indexIntervalBytes(),
            config.segmentIndexBytes(), config.segmentBytes());
        segments.put(base, next);
        LOG.info("{}rolled new segment baseOffset={} after {} bytes", logIdent, base, previous.sizeInBytes());
        // Flush the closed segment in the background so the recovery point moves without stalling appends.
        schedule(() -> flush(base), 0);
        return next;
    }

    /**
     * Reads whole batches from {@code fromOffset}, zero-copy. Lock-free.
     *
     * <p>The slice starts at the batch holding {@code fromOffset} and holds only batches that end below
     * {@code upperBoundOffset} and the log end. It holds at most {@code maxBytes}, except that the first batch
     * is always returned whole even when larger, so a consumer always makes progress. A slice never spans two
     * segments: read again from its end for more.
     *
     * @param fromOffset the first offset wanted
     * @param maxBytes the most bytes wanted
     * @param upperBoundOffset exclusive bound, such as the high watermark
     * @return the slice, or {@link LogReadSlice#EMPTY} when nothing below the bound is at or after the offset
     * @throws OffsetOutOfRangeException when {@code fromOffset} is below the log start or above the log end
     * @throws LogStorageException on an I/O error
     */
    public LogReadSlice read(final long fromOffset, final int maxBytes, final long upperBoundOffset) {
        final long end = logEndOffset;
        final long start = logStartOffset;
        if (fromOffset < start || fromOffset > end) {
            throw new OffsetOutOfRangeException(name, fromOffset, start, end);
        }
        final long bound = Math.min(upperBoundOffset, end);
        if (fromOffset >= bound) {
            return LogReadSlice.EMPTY;
        }
        final ReadScratch s = readScratch.get();
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(fromOffset);
        if (entry == null) {
            // Retention or deleteRecordsBefore removed the segment after the range check above: the offset is
            // below the log start now (which never falls below the first segment's base), not "nothing to read".
            throw new OffsetOutOfRangeException(name, fromOffset, logStartOffset, logEndOffset);
        }
        try {
            while (entry != null) {
                final LogSegment segment = entry.getValue();
                final long state = segment.publishedState();
                final int startPos = segment.findBatchPosition(fromOffset, state, s.header, s.batch);
                if (startPos < 0) {
                    entry = segments.higherEntry(entry.getKey());
                    continue;
                }
                final long firstBase = s.batch.baseOffset();
                final int firstSize = s.batch.sizeInBytes();
                if (firstBase >= bound || s.batch.nextOffset() > bound) {
                    return LogReadSlice.EMPTY;
                }
                int endPos = segment.positionOfEndOffset(bound, state, s.header, s.batch);
                if ((long) endPos - startPos > maxBytes) {
                    endPos = segment.lastBatchEndBefore(startPos, (int) Math.min(endPos, (long) startPos + maxBytes),
                        s.header, s.batch);
                    if (endPos == startPos) {
                        endPos = startPos + firstSize;
                    }
                }
                final long nextOffset = endPos >= LogSegment.sizeOf(state) ? segment.nextOffsetOf(state)
                    : segment.readHeader(endPos, s.header) ? s.batch.wrap(s.header, 0).baseOffset() : bound;
                return new LogReadSlice(segment, startPos, endPos - startPos, firstBase, nextOffset);
            }
        } catch (final IOException e) {
            if (!segment(entry).channel().isOpen()) {
                throw new SegmentDeletedException(logIdent + "segment deleted during read: fromOffset="
                    + fromOffset + "; fetch again", e);
            }
            throw storageError("read failed at offset=" + fromOffset, e, false);
        }
        return LogReadSlice.EMPTY;
    }

    private static LogSegment segment(final Map.Entry<Long, LogSegment> entry) {
        return entry.getValue();
    }

    /**
     * The first offset whose record timestamp is at or after {@code timestampMs}. Lock-free.
     *
     * @param timestampMs the timestamp searched for
     * @return that offset (never below the log start), or -1 when every record is older
     */
    public long offsetForTimestamp(final long timestampMs) {
        final TimestampAndOffset found = findByTimestamp(timestampMs);
        return found == null ? -1 : found.offset();
    }

    /**
     * The first record at or above the log start whose timestamp is at or after {@code timestampMs}, with that
     * timestamp. Lock-free.
     *
     * @param timestampMs the timestamp searched for
     * @return its offset and timestamp, or null when every record is older
     */
    public TimestampAndOffset findByTimestamp(final long timestampMs) {
        final ReadScratch s = readScratch.get();
        final long start = logStartOffset;
        try {
            for (final LogSegment segment : segments.values()) {
                final TimestampAndOffset found = segment.findByTimestamp(timestampMs, start,
                    segment.publishedState(), s.header);
                if (found != null) {
                    return found;
                }
            }
        } catch (final IOException e) {
            throw storageError("timestamp lookup failed for timestamp=" + timestampMs, e, false);
        }
        return null;
    }

    /**
     * The base offset of the first batch whose stamped raft index is at or above {@code raftIndex}: where
     * {@link #truncateTo} must cut when Ratis truncates its log from that index.
     *
     * @param raftIndex the first raft index to drop
     * @return the offset, or the log end offset when no batch has such a raft index
     */
    public long offsetOfRaftIndex(final long raftIndex) {
        final ReadScratch s = readScratch.get();
        long candidate = logEndOffset;
        try {
            for (final LogSegment segment : segments.descendingMap().values()) {
                if (segment.isEmpty()) {
                    continue;
                }
                final long offset = segment.findOffsetByRaftIndex(raftIndex, segment.publishedState(), s.header);
                if (offset < 0) {
                    break;
                }
                candidate = offset;
                if (offset > segment.baseOffset()) {
                    break;
                }
            }
        } catch (final IOException e) {
            throw storageError("raft index lookup failed for raftIndex=" + raftIndex, e, false);
        }
        return candidate;
    }

    /**
     * Raft term and index stamped on the last batch, for reconciling with the Raft log at start-up.
     *
     * @return {term, raftIndex}, or null when the log holds no batch
     */
    public long[] lastTermAndRaftIndex() {
        final ReadScratch s = readScratch.get();
        try {
            for (final LogSegment segment : segments.descendingMap().values()) {
                final long[] last = segment.lastBatchTermAndRaftIndex(s.header);
                if (last != null) {
                    return last;
                }
            }
        } catch (final IOException e) {
            throw storageError("reading the last batch failed", e, false);
        }
        return null;
    }

    /**
     * Drops every batch holding an offset at or after {@code offset}, across segments, and trims the indexes;
     * the Raft layer uses it to cut an uncommitted tail on a leader change. A batch is never split: if
     * {@code offset} falls inside a batch, that whole batch goes. Segments emptied by the cut are renamed
     * {@code .deleted} and removed after {@code file.delete.delay.ms}.
     *
     * @param offset the first offset to drop
     * @return the log end offset afterwards
     */
    public synchronized long truncateTo(final long offset) {
        ensureWritable();
        if (offset >= logEndOffset) {
            return logEndOffset;
        }
        final long oldEnd = logEndOffset;
        final long oldRecoveryPoint = recoveryPoint;
        try {
            truncations++;
            if (offset <= segments.firstKey()) {
                startEmptyAt(offset);
            } else {
                final long containingBase = segments.floorKey(offset - 1);
                final LogSegment containing = segments.get(containingBase);
                final long newEnd = containing.truncateTo(offset);
                logEndOffset = newEnd;
                removeSegments(new ArrayList<>(segments.tailMap(containingBase, false).keySet()));
                containing.onBecomeActive();
            }
            recoveryPoint = Math.min(recoveryPoint, logEndOffset);
            logStartOffset = Math.min(logStartOffset, logEndOffset);
            if (recoveryPoint < oldRecoveryPoint) {
                // The checkpoint on disk may still claim the cut range was flushed; new data appended there
                // would then be trusted without a check after a crash.
                checkpoint();
            }
        } catch (final IOException e) {
            throw storageError("truncate to offset=" + offset + " failed", e, true);
        }
        LOG.info("{}truncated to offset={}: logEndOffset {} -> {}", logIdent, offset, oldEnd, logEndOffset);
        return logEndOffset;
    }

    /**
     * Drops every segment and starts an empty log at {@code offset} (Kafka's truncateFullyAndStartAt): a replica
     * that fell behind its leader's log start copies the leader's segments from there.
     *
     * @param offset the new log start and end offset
     */
    public synchronized void truncateFullyAndStartAt(final long offset) {
        ensureWritable();
        try {
            truncations++;
            startEmptyAt(offset);
            recoveryPoint = offset;
            checkpoint();
        } catch (final IOException e) {
            throw storageError("truncateFullyAndStartAt offset=" + offset + " failed", e, true);
        }
        LOG.info("{}emptied and restarted at offset={}", logIdent, offset);
    }

    private void startEmptyAt(final long offset) throws IOException {
        // Readers stop at the new end first, then the files are renamed away and an empty segment starts at the
        // cut (the rename frees its file name when the base is the same).
        logEndOffset = offset;
        removeSegments(new ArrayList<>(segments.keySet()));
        segments.put(offset, LogSegment.open(logIdent, dir, offset, config.indexIntervalBytes(),
            config.segmentIndexBytes(), config.segmentBytes()));
        logStartOffset = offset;
    }

    private void removeSegments(final List<Long> bases) throws IOException {
        for (final long base : bases) {
            final LogSegment removed = segments.remove(base);
            if (removed != null) {
                scheduleDelete(removed);
            }
        }
    }

    /**
     * Drops every batch whose stamped raft index is at or above {@code raftIndex} (Ratis's
     * {@code truncate(index)}). See {@link #truncateTo}.
     *
     * @param raftIndex the first raft index to drop
     * @return the log end offset afterwards
     */
    public synchronized long truncateToRaftIndex(final long raftIndex) {
        return truncateTo(offsetOfRaftIndex(raftIndex));
    }

    /**
     * Advances the log start offset (Kafka's DeleteRecords): offsets below it are no longer readable, whole
     * segments below it are deleted, and the new start is checkpointed durably before this returns.
     *
     * @param offset the new log start offset, at most the log end offset
     * @throws OffsetOutOfRangeException when {@code offset} is past the log end
     */
    public synchronized void deleteRecordsBefore(final long offset) {
        ensureWritable();
        if (offset > logEndOffset) {
            throw new OffsetOutOfRangeException(name, offset, logStartOffset, logEndOffset);
        }
        if (offset <= logStartOffset) {
            return;
        }
        logStartOffset = offset;
        try {
            final LogSegment active = segments.lastEntry().getValue();
            if (offset == logEndOffset && !active.isEmpty()) {
                roll();
            }
            deleteSegmentsWhile(s -> s.nextOffset() <= offset, Long.MAX_VALUE);
            checkpoint();
        } catch (final IOException e) {
            throw storageError("deleteRecordsBefore offset=" + offset + " failed", e, true);
        }
        LOG.info("{}log start offset advanced to {}", logIdent, offset);
    }

    /**
     * Deletes closed segments past {@code retention.ms} (by their largest record timestamp) or beyond
     * {@code retention.bytes}, oldest first, never the active segment and never one holding offsets at or above
     * {@code maxDeletableOffset} (the high watermark, or what the Raft layer has snapshotted). The log start
     * offset advances to the first remaining segment.
     *
     * @param maxDeletableOffset only segments entirely below this offset may go
     * @return the number of segments deleted
     */
    public synchronized int deleteOldSegments(final long maxDeletableOffset) {
        ensureWritable();
        final long now = time.milliseconds();
        final long retentionMs = config.retentionMs();
        final long retentionBytes = config.retentionBytes();
        final long[] remainingBytes = {sizeInBytes()};
        try {
            return deleteSegmentsWhile(s -> {
                final boolean expired = retentionMs >= 0 && now - s.maxTimestampSoFar() > retentionMs;
                final boolean oversize = retentionBytes >= 0 && remainingBytes[0] - s.sizeInBytes() >= retentionBytes;
                if (expired || oversize || s.nextOffset() <= logStartOffset) {
                    remainingBytes[0] -= s.sizeInBytes();
                    return true;
                }
                return false;
            }, maxDeletableOffset);
        } catch (final IOException e) {
            throw storageError("retention failed", e, true);
        }
    }

    private int deleteSegmentsWhile(final Predicate<LogSegment> deletable,
                                    final long maxDeletableOffset) throws IOException {
        int deleted = 0;
        for (final LogSegment s : new ArrayList<>(segments.values())) {
            if (s == segments.lastEntry().getValue() || s.nextOffset() > maxDeletableOffset || !deletable.test(s)) {
                break;
            }
            final long nextBase = segments.higherKey(s.baseOffset());
            logStartOffset = Math.max(logStartOffset, nextBase);
            segments.remove(s.baseOffset());
            scheduleDelete(s);
            deleted++;
            LOG.info("{}deleted segment baseOffset={} nextOffset={} size={}; logStartOffset={}", logIdent,
                s.baseOffset(), s.nextOffset(), s.sizeInBytes(), logStartOffset);
        }
        return deleted;
    }

    private void scheduleDelete(final LogSegment segment) throws IOException {
        segment.markDeleted();
        synchronized (pendingDeletes) {
            pendingDeletes.add(segment);
        }
        schedule(() -> deleteNow(segment), config.fileDeleteDelayMs());
    }

    private void deleteNow(final LogSegment segment) {
        synchronized (pendingDeletes) {
            if (!pendingDeletes.remove(segment)) {
                return;
            }
        }
        try {
            segment.deleteFiles();
        } catch (final IOException e) {
            LOG.warn("{}could not delete {}: {}", logIdent, segment.logFile(), e.toString());
        }
    }

    private void schedule(final Runnable task, final long delayMs) {
        try {
            scheduler.schedule(() -> {
                try {
                    task.run();
                } catch (final RuntimeException e) {
                    LOG.warn("{}background task failed: {}", logIdent, e.toString());
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (final RejectedExecutionException e) {
            // The scheduler is shutting down; close() finishes pending deletions itself.
            LOG.debug("{}background task rejected: {}", logIdent, e.toString());
        }
    }

    /**
     * Forces everything appended so far to disk, if anything below {@code upToOffset} is not yet there.
     *
     * <p>Group commit: concurrent callers queue on one flush; a caller whose offset the previous fsync already
     * covered returns without another. Appends continue while the fsync runs.
     *
     * @param upToOffset the offset the caller needs durable (exclusive)
     * @throws LogStorageException when an fsync fails; the log goes offline, since what is on disk is unknown
     */
    public void flush(final long upToOffset) {
        synchronized (flushLock) {
            if (recoveryPoint >= upToOffset || closed) {
                return;
            }
            final long end;
            final long epoch;
            final List<LogSegment> toFlush;
            synchronized (this) {
                end = logEndOffset;
                epoch = truncations;
                final Long from = segments.floorKey(recoveryPoint);
                toFlush = new ArrayList<>(from == null ? segments.values() : segments.tailMap(from).values());
            }
            try {
                for (final LogSegment s : toFlush) {
                    if (s.channel().isOpen()) {
                        s.flush();
                    }
                }
            } catch (final IOException e) {
                throw storageError("flush up to offset=" + end + " failed", e, true);
            }
            synchronized (this) {
                // A truncation during the fsync may have removed what was flushed; then keep the old point.
                if (epoch == truncations) {
                    recoveryPoint = Math.max(recoveryPoint, Math.min(end, logEndOffset));
                }
                lastFlushMs = time.milliseconds();
            }
        }
    }

    /**
     * Flushes when {@code flush.ms} has passed since the last flush and data is unflushed. Called periodically.
     */
    public void maybeFlushByTime() {
        if (logEndOffset > recoveryPoint && time.milliseconds() - lastFlushMs >= config.flushMs()) {
            flush(logEndOffset);
        }
    }

    /**
     * Writes the recovery point and log start offset to the checkpoint file.
     *
     * @throws IOException on a write error
     */
    public void checkpoint() throws IOException {
        new PartitionCheckpoint(recoveryPoint, logStartOffset).write(dir);
    }

    /**
     * Flushes, checkpoints, closes every file and leaves the clean-shutdown marker, so the next open skips
     * recovery. Segments waiting for delayed deletion are deleted now.
     *
     * @throws IOException on an I/O error
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        final boolean wasOnline = !offline;
        if (wasOnline) {
            // Not flush(): it takes the flush lock before this one, and appends are already held off here.
            final Long from = segments.floorKey(recoveryPoint);
            for (final LogSegment s : from == null ? segments.values() : segments.tailMap(from).values()) {
                s.flush();
            }
            recoveryPoint = logEndOffset;
            checkpoint();
        }
        closed = true;
        for (final LogSegment s : segments.values()) {
            s.close();
        }
        final List<LogSegment> deletes;
        synchronized (pendingDeletes) {
            deletes = new ArrayList<>(pendingDeletes);
            pendingDeletes.clear();
        }
        for (final LogSegment s : deletes) {
            s.deleteFiles();
        }
        if (wasOnline) {
            Files.createFile(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
            PartitionCheckpoint.fsyncDirectory(dir);
        }
        LOG.info("{}closed: logEndOffset={} clean={}", logIdent, logEndOffset, wasOnline);
    }

    private void ensureWritable() {
        if (closed) {
            throw new IllegalStateException(logIdent + "log is closed");
        }
        if (offline) {
            throw new LogStorageException(logIdent + "log is offline after an earlier storage error; reopen it to "
                + "recover", null, true);
        }
    }

    private LogStorageException storageError(final String what, final IOException e, final boolean goOffline) {
        if (goOffline) {
            offline = true;
        }
        LOG.error("{}{}: {}{}", logIdent, what, e.toString(), goOffline ? "; log is now offline" : "");
        return new LogStorageException(logIdent + what + ": " + e, e, goOffline);
    }

    /** @return the partition's directory name, e.g. {@code orders-3} */
    public String name() {
        return name;
    }

    /** @return the directory */
    public Path dir() {
        return dir;
    }

    /** @return the configuration */
    public LogConfig config() {
        return config;
    }

    /**
     * Applies a changed configuration (a topic's configs altered at run time), as Kafka's
     * {@code UnifiedLog.updateConfig}: segment size and roll time apply to the next roll, retention to the next
     * check, flush settings to the next append, index settings to the next segment.
     *
     * @param newConfig the new configuration
     */
    public void updateConfig(final LogConfig newConfig) {
        this.config = newConfig;
        LOG.info("{}config updated: {}", logIdent, newConfig);
    }

    /** @return the first readable offset; lock-free */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** @return the offset the next append gets; lock-free */
    public long logEndOffset() {
        return logEndOffset;
    }

    /** @return the offset below which everything is known to be on disk; lock-free */
    public long recoveryPoint() {
        return recoveryPoint;
    }

    /** @return true once {@link #close()} has run */
    public boolean isClosed() {
        return closed;
    }

    /** @return true after a storage error made the log refuse operations */
    public boolean isOffline() {
        return offline;
    }

    /** @return bytes of batches in all live segments; lock-free */
    public long sizeInBytes() {
        long size = 0;
        for (final LogSegment s : segments.values()) {
            size += s.sizeInBytes();
        }
        return size;
    }

    /** @return the number of live segments; lock-free */
    public int segmentCount() {
        return segments.size();
    }

    /** @return base offsets of the live segments, in order; lock-free */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }

    @Override
    public String toString() {
        return "PartitionLog(" + name + ", logStartOffset=" + logStartOffset + ", logEndOffset=" + logEndOffset
            + ", segments=" + segments.size() + ")";
    }

    /** Per-reader-thread buffers, so lock-free reads allocate nothing but the slice. */
    private static final class ReadScratch {
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        final RecordBatch batch = new RecordBatch();
    }
}
