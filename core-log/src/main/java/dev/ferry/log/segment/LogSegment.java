package dev.ferry.log.segment;

import dev.ferry.log.index.OffsetIndex;
import dev.ferry.log.index.TimeIndex;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchLayout;
import dev.ferry.log.record.RecordCursor;
import dev.ferry.log.record.TimestampAndOffset;
import dev.ferry.log.record.TimestampType;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One segment of a partition log: a {@code .log} file of whole record batches plus its sparse offset and time
 * indexes, all named by the segment's base offset.
 *
 * <p>Batches are written with positional {@link FileChannel} writes into the page cache. What readers may see
 * is published after each append as one volatile word holding both the end position and the next offset, so a
 * reader never sees a size and an offset from different appends, and never a partly written batch.
 *
 * <p>Index entries point at batch starts: an entry is added for a batch when more than
 * {@code index.interval.bytes} were appended since the previous entry. A time index entry (T, O) says that every
 * record at or below offset O has a timestamp of at most T.
 *
 * <p>Single writer, concurrent readers: {@code append}, {@code truncateTo}, {@code recover}, the roll and
 * close methods are called by the partition's writer only; the {@code read*} and lookup methods are lock-free
 * and may be called from any thread.
 */
public final class LogSegment implements Closeable {
    /** Size of the scratch buffer readers pass to the lock-free lookups. */
    public static final int SCRATCH_BYTES = RecordBatchLayout.HEADER_SIZE;

    private static final int CRC_CHUNK_BYTES = 64 * 1024;
    private static final long NO_TIMESTAMP = -1L;

    private final String logIdent;
    private final long baseOffset;
    private final int indexIntervalBytes;
    private final int offsetIndexBytes;
    private final int timeIndexBytes;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final RecordBatch writerBatch = new RecordBatch();

    private volatile Path logFile;
    /** (nextOffset - baseOffset) in the high 32 bits, the published size in bytes in the low 32 bits. */
    private volatile long published;
    private int bytesSinceLastIndexEntry;
    private long maxTimestampSoFar = NO_TIMESTAMP;
    private long offsetOfMaxTimestampSoFar;
    private long rollingBasedTimestamp = NO_TIMESTAMP;

    private LogSegment(final String logIdent, final Path logFile, final long baseOffset, final FileChannel channel,
                       final OffsetIndex offsetIndex, final TimeIndex timeIndex, final int indexIntervalBytes,
                       final int offsetIndexBytes, final int timeIndexBytes) {
        this.offsetIndexBytes = offsetIndexBytes;
        this.timeIndexBytes = timeIndexBytes;
        this.logIdent = logIdent;
        this.logFile = logFile;
        this.baseOffset = baseOffset;
        this.channel = channel;
        this.offsetIndex = offsetIndex;
        this.timeIndex = timeIndex;
        this.indexIntervalBytes = indexIntervalBytes;
        this.published = 0L;
    }

    /**
     * Opens (creating when absent) the files of a segment. The segment starts empty from the readers' point of
     * view: the caller must then call {@link #recover} or {@link #loadFromIndexes} for an existing file.
     *
     * @param logIdent "partition=... " prefix for log lines
     * @param dir the partition directory
     * @param baseOffset the segment's base offset
     * @param indexIntervalBytes index.interval.bytes
     * @param maxIndexBytes segment.index.bytes, the cap on each index file
     * @param segmentBytes segment.bytes, which bounds how many index entries a segment can need
     * @return the segment
     * @throws IOException when a file cannot be opened
     */
    public static LogSegment open(final String logIdent, final Path dir, final long baseOffset,
                                  final int indexIntervalBytes, final int maxIndexBytes, final int segmentBytes)
        throws IOException {
        // Preallocate only what a full segment can index: the files are zero-filled (see AbstractIndex), so
        // 10 MiB each for a segment that needs 2 MiB would be write amplification for nothing.
        final long entriesNeeded = segmentBytes / Math.max(indexIntervalBytes + 1L, RecordBatchLayout.HEADER_SIZE) + 4;
        final int offsetIndexBytes = (int) Math.min(maxIndexBytes, entriesNeeded * OffsetIndex.ENTRY_SIZE);
        final int timeIndexBytes = (int) Math.min(maxIndexBytes, entriesNeeded * TimeIndex.ENTRY_SIZE);
        final Path logFile = LogFileNames.logFile(dir, baseOffset);
        final FileChannel channel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
        OffsetIndex offsetIndex = null;
        try {
            offsetIndex = OffsetIndex.open(LogFileNames.offsetIndexFile(dir, baseOffset), baseOffset,
                offsetIndexBytes, true);
            final TimeIndex timeIndex = TimeIndex.open(LogFileNames.timeIndexFile(dir, baseOffset), baseOffset,
                timeIndexBytes, true);
            return new LogSegment(logIdent, logFile, baseOffset, channel, offsetIndex, timeIndex, indexIntervalBytes,
                offsetIndexBytes, timeIndexBytes);
        } catch (final IOException | RuntimeException e) {
            if (offsetIndex != null) {
                offsetIndex.close();
            }
            channel.close();
            throw e;
        }
    }

    /** @return the first offset this segment can hold */
    public long baseOffset() {
        return baseOffset;
    }

    /** @return the offset the next appended batch will get; lock-free */
    public long nextOffset() {
        return nextOffsetOf(published);
    }

    /** @return bytes of whole batches readers may see; lock-free */
    public int sizeInBytes() {
        return sizeOf(published);
    }

    /** @return true when no batch has been appended; lock-free */
    public boolean isEmpty() {
        return sizeInBytes() == 0;
    }

    /**
     * The published end, read once so that size and next offset come from the same append.
     *
     * @return an opaque word for {@link #sizeOf(long)} and {@link #nextOffsetOf(long)}; lock-free
     */
    public long publishedState() {
        return published;
    }

    /**
     * @param state a word from {@link #publishedState()}
     * @return its size in bytes
     */
    public static int sizeOf(final long state) {
        return (int) state;
    }

    /**
     * @param state a word from {@link #publishedState()}
     * @return its next offset
     */
    public long nextOffsetOf(final long state) {
        return baseOffset + (state >>> 32);
    }

    /** @return the .log file's current path (it changes when the segment is marked deleted) */
    public Path logFile() {
        return logFile;
    }

    /** @return the channel of the .log file, for zero-copy reads; never closed while the segment is live */
    public FileChannel channel() {
        return channel;
    }

    /** @return the largest batch max timestamp in the segment, -1 when none; writer only */
    public long maxTimestampSoFar() {
        return maxTimestampSoFar;
    }

    /** @return total bytes on disk: the log plus both indexes */
    public long totalBytes() {
        return sizeInBytes() + offsetIndex.sizeInBytes() + timeIndex.sizeInBytes();
    }

    /**
     * Whether the writer must start a new segment before appending.
     *
     * @param appendBytes bytes about to be appended
     * @param lastOffset the last offset of the append
     * @param maxTimestampOfAppend largest batch timestamp of the append
     * @param segmentBytes segment.bytes
     * @param segmentMs segment.ms
     * @return true to roll; writer only
     */
    public boolean shouldRoll(final int appendBytes, final long lastOffset, final long maxTimestampOfAppend,
                              final int segmentBytes, final long segmentMs) {
        final int size = sizeInBytes();
        if (size == 0) {
            return false;
        }
        // Time-based roll uses batch timestamps, not the local clock, so replicas given the same batches
        // roll at the same offsets (Kafka does the same with its rolling-based timestamp).
        final boolean tooOld = rollingBasedTimestamp != NO_TIMESTAMP
            && maxTimestampOfAppend - rollingBasedTimestamp > segmentMs;
        return size > segmentBytes - appendBytes
            || tooOld
            || offsetIndex.isFull()
            // one time index slot stays free for the final entry written when the segment closes
            || timeIndex.entries() >= timeIndex.maxEntries() - 1
            || !offsetIndex.canAppendOffset(lastOffset);
    }

    /**
     * Appends whole, validated batches whose base offsets are already stamped, then publishes them.
     *
     * <p>On an I/O error (disk full) the bytes written so far are cut again, so the segment is unchanged.
     *
     * @param batches one or more batches between position and limit; the position is not changed
     * @throws IOException when the write failed; the segment holds exactly what it held before
     */
    public void append(final ByteBuffer batches) throws IOException {
        final int startSize = sizeInBytes();
        final ByteBuffer src = batches.duplicate();
        long writePos = startSize;
        try {
            while (src.hasRemaining()) {
                writePos += channel.write(src, writePos);
            }
        } catch (final IOException e) {
            cutPartialWrite(startSize, e);
            throw e;
        }
        int filePos = startSize;
        long next = nextOffset();
        for (int pos = batches.position(); pos < batches.limit(); ) {
            final RecordBatch batch = writerBatch.wrap(batches, pos);
            final int size = batch.sizeInBytes();
            onBatchAppended(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), filePos, size);
            filePos += size;
            pos += size;
            next = batch.nextOffset();
        }
        publish(next, filePos);
    }

    private void cutPartialWrite(final int size, final IOException cause) {
        try {
            channel.truncate(size);
        } catch (final IOException e) {
            cause.addSuppressed(e);
        }
    }

    private void onBatchAppended(final long batchBase, final long batchLast, final long batchMaxTs,
                                 final int filePos, final int batchSize) {
        if (rollingBasedTimestamp == NO_TIMESTAMP) {
            rollingBasedTimestamp = batchMaxTs;
        }
        if (batchMaxTs > maxTimestampSoFar) {
            maxTimestampSoFar = batchMaxTs;
            offsetOfMaxTimestampSoFar = batchLast;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(batchBase, filePos);
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    private void publish(final long nextOffset, final int size) {
        published = ((nextOffset - baseOffset) << 32) | (size & 0xFFFFFFFFL);
    }

    /**
     * Loads a segment whose indexes are trusted (below the recovery point, or after a clean shutdown): checks
     * the indexes and reads the batch headers after the last index entry to find the end.
     *
     * <p>A trusted index was trimmed to its entries when its segment was rolled or closed, so an index whose
     * file held more bytes than the entries the open kept (a partial entry, garbage, zeros), one that misses an
     * entry the writer would have added, or a time index entry past the segment's end, is bad.
     *
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @param offsetIndexFileBytes size of the {@code .index} file before the segment was opened
     * @param timeIndexFileBytes size of the {@code .timeindex} file before the segment was opened
     * @return false when an index fails its sanity check (call {@link #recover} instead)
     * @throws IOException on a read error
     */
    public boolean loadFromIndexes(final ByteBuffer scratch, final long offsetIndexFileBytes,
                                   final long timeIndexFileBytes) throws IOException {
        final long fileSize = channel.size();
        if (fileSize > Integer.MAX_VALUE
            || offsetIndexFileBytes != (long) offsetIndex.entries() * OffsetIndex.ENTRY_SIZE
            || timeIndexFileBytes != (long) timeIndex.entries() * TimeIndex.ENTRY_SIZE) {
            return false;
        }
        try {
            offsetIndex.sanityCheck(fileSize);
            timeIndex.sanityCheck(fileSize);
        } catch (final RuntimeException e) {
            return false;
        }
        int pos = offsetIndex.entries() == 0 ? 0 : offsetIndex.positionAt(offsetIndex.entries() - 1);
        long next = offsetIndex.entries() == 0 ? baseOffset : offsetIndex.offsetAt(offsetIndex.entries() - 1);
        maxTimestampSoFar = timeIndex.entries() == 0 ? NO_TIMESTAMP : timeIndex.lastTimestamp();
        offsetOfMaxTimestampSoFar = timeIndex.entries() == 0 ? baseOffset : timeIndex.lastOffset();
        final RecordBatch header = new RecordBatch();
        while (pos < fileSize) {
            if (fileSize - pos < RecordBatchLayout.HEADER_SIZE || !readHeader(pos, scratch)) {
                return false;
            }
            header.wrap(scratch, 0);
            final long size = header.sizeInBytes();
            if (header.baseOffset() != next || size < RecordBatchLayout.HEADER_SIZE
                || pos + size > fileSize
                // the writer indexes a batch once more than index.interval.bytes follow the last entry
                || pos > 0 && bytesSinceLastIndexEntry > indexIntervalBytes) {
                return false;
            }
            if (rollingBasedTimestamp == NO_TIMESTAMP && pos == 0) {
                rollingBasedTimestamp = header.maxTimestamp();
            }
            if (header.maxTimestamp() > maxTimestampSoFar) {
                maxTimestampSoFar = header.maxTimestamp();
                offsetOfMaxTimestampSoFar = header.lastOffset();
            }
            next = header.nextOffset();
            pos += (int) size;
            bytesSinceLastIndexEntry += (int) size;
        }
        if (timeIndex.entries() > 0 && timeIndex.lastOffset() >= next) {
            return false;
        }
        if (rollingBasedTimestamp == NO_TIMESTAMP && fileSize > 0 && readHeader(0, scratch)) {
            rollingBasedTimestamp = header.wrap(scratch, 0).maxTimestamp();
        }
        publish(next, pos);
        return true;
    }

    /**
     * Rebuilds the indexes by reading every batch, validating its length, offsets and CRC, and publishes the
     * batches before the first invalid byte. The file is not cut here: call {@link #cutInvalidTail()}.
     *
     * @param expectedBaseOffset the offset the first batch must have
     * @return a description of why the tail was cut, or null when the whole file was valid
     * @throws IOException on a read or truncate error
     */
    public String recover(final long expectedBaseOffset) throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        bytesSinceLastIndexEntry = 0;
        maxTimestampSoFar = NO_TIMESTAMP;
        rollingBasedTimestamp = NO_TIMESTAMP;
        final long fileSize = channel.size();
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        final ByteBuffer chunk = ByteBuffer.allocate(CRC_CHUNK_BYTES);
        final RecordBatch batch = new RecordBatch();
        final CRC32C crc = new CRC32C();
        long next = expectedBaseOffset;
        long lastTerm = -1;
        long lastRaftIndex = -1;
        int pos = 0;
        String cutReason = null;
        while (pos < fileSize) {
            if (fileSize - pos < RecordBatchLayout.HEADER_SIZE || !readHeader(pos, header)) {
                cutReason = "torn batch header: remaining=" + (fileSize - pos);
                break;
            }
            batch.wrap(header, 0);
            cutReason = checkHeader(batch, pos, fileSize, next, lastTerm, lastRaftIndex);
            if (cutReason == null) {
                final int storedCrc = batch.crc();
                final int computed = crcOf(pos, batch.sizeInBytes(), chunk, crc);
                if (computed != storedCrc) {
                    cutReason = "CRC mismatch: stored=0x" + Integer.toHexString(storedCrc) + " computed=0x"
                        + Integer.toHexString(computed) + " batchBaseOffset=" + batch.baseOffset();
                }
            }
            if (cutReason != null) {
                break;
            }
            lastTerm = Math.max(lastTerm, batch.leaderTerm());
            lastRaftIndex = Math.max(lastRaftIndex, batch.raftIndex());
            onBatchAppended(batch.baseOffset(), batch.lastOffset(), batch.maxTimestamp(), pos, batch.sizeInBytes());
            next = batch.nextOffset();
            pos += batch.sizeInBytes();
        }
        if (pos < fileSize) {
            cutReason = (cutReason == null ? "unreadable tail" : cutReason) + " at position=" + pos
                + " fileSize=" + fileSize;
        }
        publish(next, pos);
        return cutReason;
    }

    /**
     * Cuts the bytes after the published size, which {@link #recover} found invalid. Separate from
     * {@code recover} so that the caller can refuse to cut data that was flushed. Writer only.
     *
     * @throws IOException on a truncate error
     */
    public void cutInvalidTail() throws IOException {
        if (channel.size() > sizeInBytes()) {
            channel.truncate(sizeInBytes());
        }
    }

    private String checkHeader(final RecordBatch batch, final int pos, final long fileSize, final long next,
                               final long lastTerm, final long lastRaftIndex) {
        final long size = (long) batch.batchLength() + RecordBatchLayout.LOG_OVERHEAD;
        if (batch.batchLength() < RecordBatchLayout.HEADER_SIZE - RecordBatchLayout.LOG_OVERHEAD) {
            return "batch length out of bounds: batchLength=" + batch.batchLength();
        }
        if (pos + size > fileSize) {
            return "torn batch: size=" + size + " available=" + (fileSize - pos);
        }
        if (batch.magic() != RecordBatchLayout.CURRENT_MAGIC) {
            return "unknown magic=" + batch.magic();
        }
        if (batch.baseOffset() != next) {
            return "offset discontinuity: expected baseOffset=" + next + " found=" + batch.baseOffset();
        }
        if (batch.lastOffsetDelta() < 0 || batch.recordCount() != batch.lastOffsetDelta() + 1
            || !offsetIndex.canAppendOffset(batch.lastOffset())) {
            return "bad record count: recordCount=" + batch.recordCount() + " lastOffsetDelta="
                + batch.lastOffsetDelta();
        }
        if (batch.leaderTerm() >= 0 && batch.leaderTerm() < lastTerm
            || batch.raftIndex() >= 0 && batch.raftIndex() < lastRaftIndex) {
            return "term or raft index went backwards: term=" + batch.leaderTerm() + " previousTerm=" + lastTerm
                + " raftIndex=" + batch.raftIndex() + " previousRaftIndex=" + lastRaftIndex;
        }
        return null;
    }

    private int crcOf(final int batchPos, final int batchSize, final ByteBuffer chunk, final CRC32C crc)
        throws IOException {
        crc.reset();
        long pos = batchPos + RecordBatchLayout.ATTRIBUTES_OFFSET;
        final long end = (long) batchPos + batchSize;
        while (pos < end) {
            chunk.clear();
            chunk.limit((int) Math.min(chunk.capacity(), end - pos));
            final int n = channel.read(chunk, pos);
            if (n < 0) {
                throw new EOFException("segment " + logFile + " ended at position=" + pos);
            }
            chunk.flip();
            crc.update(chunk);
            pos += n;
        }
        return (int) crc.getValue();
    }

    /**
     * Reads the header of the batch at a position into {@code scratch} (position 0, limit HEADER_SIZE).
     *
     * @param position a batch start below the published size
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @return false when the file ended first (it was truncated under the reader)
     * @throws IOException on a read error
     */
    public boolean readHeader(final long position, final ByteBuffer scratch) throws IOException {
        scratch.clear();
        scratch.limit(RecordBatchLayout.HEADER_SIZE);
        long pos = position;
        while (scratch.hasRemaining()) {
            final int n = channel.read(scratch, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        scratch.flip();
        return true;
    }

    /**
     * Finds the batch holding {@code targetOffset}, or the first batch after it. Lock-free.
     *
     * @param targetOffset the offset wanted
     * @param state the published state the caller read once
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @param batch a flyweight the caller owns; on success it wraps the found header in {@code scratch}
     * @return the batch's position, or -1 when no batch at or after the target is published in {@code state}
     * @throws IOException on a read error
     */
    public int findBatchPosition(final long targetOffset, final long state, final ByteBuffer scratch,
                                 final RecordBatch batch) throws IOException {
        final int size = sizeOf(state);
        int pos = Math.max(0, offsetIndex.lookupPosition(targetOffset));
        if (pos >= size) {
            pos = 0;
        }
        boolean restarted = pos == 0;
        while (pos < size) {
            if (!readHeader(pos, scratch)) {
                return -1;
            }
            batch.wrap(scratch, 0);
            if (!restarted && batch.baseOffset() > targetOffset) {
                // An index entry read while the writer truncated: start again from the file's first batch.
                pos = 0;
                restarted = true;
                continue;
            }
            if (batch.lastOffset() >= targetOffset) {
                return pos;
            }
            pos += batch.sizeInBytes();
        }
        return -1;
    }

    /**
     * The position where whole batches below {@code endOffset} end. Lock-free.
     *
     * @param endOffset exclusive offset bound (a batch boundary, such as the high watermark)
     * @param state the published state the caller read once
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @param batch a flyweight the caller owns
     * @return a batch boundary position, at most the published size
     * @throws IOException on a read error
     */
    public int positionOfEndOffset(final long endOffset, final long state, final ByteBuffer scratch,
                                   final RecordBatch batch) throws IOException {
        if (endOffset >= nextOffsetOf(state)) {
            return sizeOf(state);
        }
        final int pos = findBatchPosition(endOffset, state, scratch, batch);
        if (pos < 0) {
            return sizeOf(state);
        }
        // A batch straddling endOffset is not whole below it: stop before it.
        return pos;
    }

    /**
     * The end of the last whole batch that starts at or after {@code startPos} and ends by {@code maxEnd}.
     * Lock-free; uses the index to skip most headers.
     *
     * @param startPos a batch start
     * @param maxEnd the largest end position allowed
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @param batch a flyweight the caller owns
     * @return a batch boundary in [startPos, maxEnd]
     * @throws IOException on a read error
     */
    public int lastBatchEndBefore(final int startPos, final int maxEnd, final ByteBuffer scratch,
                                  final RecordBatch batch) throws IOException {
        int pos = Math.max(startPos, offsetIndex.floorPositionByPosition(maxEnd));
        if (pos > maxEnd) {
            pos = startPos;
        }
        while (pos < maxEnd) {
            if (!readHeader(pos, scratch)) {
                break;
            }
            final int size = batch.wrap(scratch, 0).sizeInBytes();
            if (size < RecordBatchLayout.HEADER_SIZE || (long) pos + size > maxEnd) {
                break;
            }
            pos += size;
        }
        return pos;
    }

    /**
     * The first record at or above {@code minOffset} whose timestamp is at or after {@code timestampMs}. Lock-free.
     *
     * @param timestampMs the timestamp searched for
     * @param minOffset the lowest offset that may be returned (the log start offset)
     * @param state the published state the caller read once
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @return the record's offset and timestamp, or null when every record here at or above minOffset is older
     * @throws IOException on a read error
     */
    public TimestampAndOffset findByTimestamp(final long timestampMs, final long minOffset, final long state,
                                              final ByteBuffer scratch) throws IOException {
        final RecordBatch batch = new RecordBatch();
        final long hintOffset = Math.max(timeIndex.lookupOffsetBefore(timestampMs), minOffset);
        // A stale hint (read while the writer truncated) finds nothing: scan the whole file then.
        final int pos0 = hintOffset <= baseOffset ? 0 : findBatchPosition(hintOffset, state, scratch, batch);
        int pos = Math.max(pos0, 0);
        final int size = sizeOf(state);
        while (pos < size) {
            if (!readHeader(pos, scratch)) {
                return null;
            }
            batch.wrap(scratch, 0);
            if (batch.lastOffset() >= minOffset && batch.maxTimestamp() >= timestampMs) {
                final TimestampAndOffset found = firstAtOrAfter(pos, batch, timestampMs, minOffset);
                if (found != null) {
                    return found;
                }
            }
            pos += batch.sizeInBytes();
        }
        return null;
    }

    private TimestampAndOffset firstAtOrAfter(final int pos, final RecordBatch header, final long timestampMs,
                                              final long minOffset) throws IOException {
        final long first = Math.max(header.baseOffset(), minOffset);
        if (header.timestampType() == TimestampType.LOG_APPEND_TIME) {
            return new TimestampAndOffset(header.maxTimestamp(), first);
        }
        // Off the hot path: materialise one batch to look at record timestamps.
        final ByteBuffer whole = ByteBuffer.allocate(header.sizeInBytes());
        while (whole.hasRemaining()) {
            if (channel.read(whole, pos + whole.position()) < 0) {
                // Truncated under us: the batch header is all there is to go by.
                return new TimestampAndOffset(header.maxTimestamp(), first);
            }
        }
        whole.flip();
        final RecordCursor cursor = new RecordCursor().reset(new RecordBatch().wrap(whole, 0));
        while (cursor.next()) {
            if (cursor.offset() >= minOffset && cursor.timestamp() >= timestampMs) {
                return new TimestampAndOffset(cursor.timestamp(), cursor.offset());
            }
        }
        return null;
    }

    /**
     * The base offset of the first batch whose raft index is at or above {@code raftIndex}. Lock-free.
     *
     * @param raftIndex the raft log index
     * @param state the published state the caller read once
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @return that base offset, or -1 when every batch here has a smaller raft index
     * @throws IOException on a read error
     */
    public long findOffsetByRaftIndex(final long raftIndex, final long state, final ByteBuffer scratch)
        throws IOException {
        final RecordBatch batch = new RecordBatch();
        final int size = sizeOf(state);
        // Raft indexes never decrease along the file, so binary search the indexed batch starts first.
        int lo = 0;
        int hi = offsetIndex.entries() - 1;
        int pos = 0;
        while (lo <= hi) {
            final int mid = (lo + hi) >>> 1;
            final int p = offsetIndex.positionAt(mid);
            if (p >= size || !readHeader(p, scratch)) {
                hi = mid - 1;
                continue;
            }
            if (batch.wrap(scratch, 0).raftIndex() < raftIndex) {
                pos = p;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        while (pos < size) {
            if (!readHeader(pos, scratch)) {
                return -1;
            }
            batch.wrap(scratch, 0);
            if (batch.raftIndex() >= raftIndex) {
                return batch.baseOffset();
            }
            pos += batch.sizeInBytes();
        }
        return -1;
    }

    /**
     * Raft term and index of the last batch, for reconciling with the Raft log at start-up.
     *
     * @param scratch a buffer of at least {@link #SCRATCH_BYTES}
     * @return {term, raftIndex} of the last batch, or null when the segment is empty
     * @throws IOException on a read error
     */
    public long[] lastBatchTermAndRaftIndex(final ByteBuffer scratch) throws IOException {
        final long state = published;
        if (sizeOf(state) == 0) {
            return null;
        }
        final RecordBatch batch = new RecordBatch();
        final long lastOffset = nextOffsetOf(state) - 1;
        final int pos = findBatchPosition(lastOffset, state, scratch, batch);
        if (pos < 0) {
            return null;
        }
        return new long[] {batch.leaderTerm(), batch.raftIndex()};
    }

    /**
     * Drops every batch holding an offset at or after {@code offset}. Writer only.
     *
     * @param offset the first offset to drop
     * @return the segment's next offset afterwards (the base offset of the first dropped batch)
     * @throws IOException on a read or truncate error
     */
    public long truncateTo(final long offset) throws IOException {
        final long state = published;
        if (offset >= nextOffsetOf(state)) {
            return nextOffsetOf(state);
        }
        final ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES);
        final RecordBatch batch = new RecordBatch();
        final int pos = offset <= baseOffset ? 0 : findBatchPosition(offset, state, scratch, batch);
        final long newNext = pos <= 0 ? baseOffset : batch.baseOffset();
        final int newSize = Math.max(pos, 0);
        // Readers must stop seeing the tail before the file shrinks under them.
        publish(newNext, newSize);
        offsetIndex.truncateTo(newNext);
        timeIndex.truncateTo(newNext);
        channel.truncate(newSize);
        rebuildWriterStateAfterTruncate(scratch, batch, newSize);
        return newNext;
    }

    private void rebuildWriterStateAfterTruncate(final ByteBuffer scratch, final RecordBatch batch, final int size)
        throws IOException {
        maxTimestampSoFar = timeIndex.entries() == 0 ? NO_TIMESTAMP : timeIndex.lastTimestamp();
        offsetOfMaxTimestampSoFar = timeIndex.entries() == 0 ? baseOffset : timeIndex.lastOffset();
        int pos = offsetIndex.entries() == 0 ? 0 : offsetIndex.positionAt(offsetIndex.entries() - 1);
        bytesSinceLastIndexEntry = 0;
        while (pos < size && readHeader(pos, scratch)) {
            batch.wrap(scratch, 0);
            if (batch.maxTimestamp() > maxTimestampSoFar) {
                maxTimestampSoFar = batch.maxTimestamp();
                offsetOfMaxTimestampSoFar = batch.lastOffset();
            }
            bytesSinceLastIndexEntry += batch.sizeInBytes();
            pos += batch.sizeInBytes();
        }
        if (size == 0) {
            rollingBasedTimestamp = NO_TIMESTAMP;
        }
    }

    /**
     * Called when the writer moves on to a new segment: records the final time index entry, trims both indexes
     * and cuts any bytes past the published size (left by a failed append). Writer only.
     *
     * @throws IOException on a truncate error
     */
    public void onBecomeInactive() throws IOException {
        if (maxTimestampSoFar != NO_TIMESTAMP) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
        }
        offsetIndex.trimToValidSize();
        timeIndex.trimToValidSize();
        if (channel.size() > sizeInBytes()) {
            channel.truncate(sizeInBytes());
        }
    }

    /**
     * Called when this segment becomes the one appended to (at open, or after a truncation removed the
     * segments after it): grows the indexes back to their preallocated size. Writer only.
     *
     * @throws IOException on a resize error
     */
    public void onBecomeActive() throws IOException {
        offsetIndex.resize(Math.max(offsetIndexBytes, (int) offsetIndex.sizeInBytes()));
        timeIndex.resize(Math.max(timeIndexBytes, (int) timeIndex.sizeInBytes()));
    }

    /**
     * Forces the log and both indexes to disk.
     *
     * @throws IOException on an fsync error
     */
    public void flush() throws IOException {
        channel.force(false);
        offsetIndex.flush();
        timeIndex.flush();
    }

    /**
     * Renames the segment's files with the {@code .deleted} suffix; the channel stays open so that readers
     * holding slices can finish. Writer only.
     *
     * @throws IOException on a rename error
     */
    public void markDeleted() throws IOException {
        final Path target = logFile.resolveSibling(logFile.getFileName() + LogFileNames.DELETED_SUFFIX);
        Files.move(logFile, target, StandardCopyOption.ATOMIC_MOVE);
        logFile = target;
        offsetIndex.renameTo(offsetIndex.file().resolveSibling(offsetIndex.file().getFileName()
            + LogFileNames.DELETED_SUFFIX));
        timeIndex.renameTo(timeIndex.file().resolveSibling(timeIndex.file().getFileName()
            + LogFileNames.DELETED_SUFFIX));
    }

    /**
     * Closes the files and deletes them.
     *
     * @throws IOException on a close or delete error
     */
    public void deleteFiles() throws IOException {
        channel.close();
        offsetIndex.close();
        timeIndex.close();
        Files.deleteIfExists(logFile);
        offsetIndex.deleteIfExists();
        timeIndex.deleteIfExists();
    }

    /**
     * Closes the segment after a final time index entry, leaving its files in place.
     *
     * @throws IOException on a close error
     */
    @Override
    public void close() throws IOException {
        // Never cut the .log here: a segment that failed to load has published nothing, and its bytes are kept.
        if (channel.isOpen() && maxTimestampSoFar != NO_TIMESTAMP && !timeIndex.isFull()) {
            timeIndex.maybeAppend(maxTimestampSoFar, offsetOfMaxTimestampSoFar);
        }
        offsetIndex.close();
        timeIndex.close();
        channel.close();
    }

    @Override
    public String toString() {
        return logIdent + "segment(baseOffset=" + baseOffset + ", nextOffset=" + nextOffset() + ", size="
            + sizeInBytes() + ")";
    }
}
