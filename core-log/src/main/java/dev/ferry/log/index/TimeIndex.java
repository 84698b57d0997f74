package dev.ferry.log.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse index from timestamps to offsets in a segment (file suffix {@code .timeindex}).
 *
 * <p>An entry (T, O) means: every record at an offset {@code <= O} in this segment has a timestamp
 * {@code <= T}, and T is the largest timestamp seen so far (it was first seen in the batch containing O). So
 * records with a timestamp {@code >= target} can only be at offsets after the last entry whose timestamp is
 * below the target: a search by time may start at the batch containing that entry's offset
 * ({@link #lookupOffsetBefore(long)}). Entries are added only when the maximum timestamp grows, so both
 * columns strictly increase.
 *
 * <h2>Format</h2>
 * A sequence of 12-byte entries, big-endian, with no header, no trailer and no checksum.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                                                               |
 *  +          timestamp (int64), milliseconds since the epoch      +  bytes 0..7
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            relative offset (int32) = offset - baseOffset       |  bytes 8..11
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  file:  | entry 0 | entry 1 | ... | entry n-1 | 0 0 0 ... (preallocated, active segment only) |
 * </pre>
 * Timestamps below 0 (-1 is "no timestamp") are never indexed, and {@link #lastTimestamp()} of an empty index is
 * -1. The file has no checksum: after an unclean shutdown the index is rebuilt from the log. How the entry count
 * of a preallocated file is recovered on a writable open is described in {@link AbstractIndex}.
 *
 * <p>Single writer, concurrent readers: {@link #maybeAppend(long, long)}, {@link #truncateTo(long)} and the
 * methods of {@link AbstractIndex} documented so run on the writer thread only; lookups are lock-free and
 * allocation-free and may run on any thread. A lookup racing with a truncation may return a stale entry; the
 * caller validates what it finds in the log and falls back to a scan.
 */
public final class TimeIndex extends AbstractIndex {
    private static final int TIMESTAMP_OFFSET = 0;
    private static final int TIMESTAMP_LENGTH = Long.BYTES;
    private static final int RELATIVE_OFFSET_OFFSET = TIMESTAMP_OFFSET + TIMESTAMP_LENGTH;
    private static final int RELATIVE_OFFSET_LENGTH = Integer.BYTES;

    /** Size of one entry in bytes: timestamp (8) and relative offset (4). */
    public static final int ENTRY_SIZE = RELATIVE_OFFSET_OFFSET + RELATIVE_OFFSET_LENGTH;

    /** {@link #lastTimestamp()} of an empty index, and {@link #lookupOffsetBefore(long)} when nothing matches. */
    public static final long NONE = -1L;

    private TimeIndex(final Path file, final long baseOffset, final int maxIndexSizeBytes, final boolean writable)
        throws IOException {
        super(file, baseOffset, maxIndexSizeBytes, writable, ENTRY_SIZE);
    }

    /**
     * Opens or creates a time index. A writable index (active segment) is created if missing, its valid
     * entries are recovered with the rule in {@link AbstractIndex}, and the file is preallocated to
     * {@code maxIndexSizeBytes} rounded down to whole entries. A read-only index (a rolled segment's trimmed
     * file) must exist, and every whole entry of the file is valid. Call {@link #sanityCheck(long)} afterwards.
     * Writer thread only.
     *
     * @param file the {@code .timeindex} file
     * @param baseOffset the segment's base offset
     * @param maxIndexSizeBytes the preallocated size of a writable index; ignored when read-only
     * @param writable whether the index belongs to the active segment
     * @return the opened index
     * @throws IOException if the file cannot be opened, resized or mapped
     * @throws IllegalArgumentException if {@code baseOffset} is negative or a writable index cannot hold one
     *     entry
     */
    public static TimeIndex open(final Path file, final long baseOffset, final int maxIndexSizeBytes,
                                 final boolean writable) throws IOException {
        final TimeIndex index = new TimeIndex(file, baseOffset, maxIndexSizeBytes, writable);
        if (writable) {
            index.recoverAndPreallocate(maxIndexSizeBytes);
        }
        return index;
    }

    /**
     * Appends (timestampMs, offset) if the timestamp is greater than {@link #lastTimestamp()} and, unless the
     * index is empty, the offset is greater than {@link #lastOffset()}; otherwise does nothing. The segment calls
     * it per batch with the maximum timestamp so far and the offset of the batch where it was seen. Writer thread
     * only.
     *
     * @param timestampMs the maximum timestamp seen so far in the segment
     * @param offset the offset at which that timestamp was seen; within {@link #canAppendOffset(long)}
     * @throws IllegalArgumentException if the offset is below the last entry's offset (a caller bug), or out of
     *     range
     * @throws IllegalStateException if an entry would be appended but the index is full, or the index is
     *     read-only or closed
     */
    public void maybeAppend(final long timestampMs, final long offset) {
        ensureWritable();
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        long lastTimestampMs = NONE;
        if (n > 0) {
            lastTimestampMs = timestampIn(buf, n - 1);
            final long lastOffset = baseOffset() + relativeOffsetIn(buf, n - 1);
            if (offset < lastOffset) {
                throw new IllegalArgumentException("time index offsets must not decrease: offset=" + offset
                    + " lastOffset=" + lastOffset + " timestampMs=" + timestampMs + " lastTimestampMs="
                    + lastTimestampMs + " file=" + file());
            }
            if (offset == lastOffset) {
                return;
            }
        }
        if (timestampMs <= lastTimestampMs) {
            return;
        }
        ensureNotFull();
        final int slotStart = n * ENTRY_SIZE;
        buf.putLong(slotStart + TIMESTAMP_OFFSET, timestampMs);
        buf.putInt(slotStart + RELATIVE_OFFSET_OFFSET, relativeOffset(offset));
        publishAppendedEntry();
    }

    /**
     * The offset of the last entry whose timestamp is strictly below {@code targetTimestampMs}: every record
     * with a timestamp {@code >= targetTimestampMs} is in the batch containing that offset or after it. Lock-free
     * and allocation-free; thread-safe.
     *
     * @param targetTimestampMs the timestamp searched for
     * @return the entry's absolute offset, or {@link #NONE} (-1) if no entry has a smaller timestamp (search from
     *     the start of the segment)
     */
    public long lookupOffsetBefore(final long targetTimestampMs) {
        if (targetTimestampMs == Long.MIN_VALUE) {
            return NONE;
        }
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int slot = floorSlot(buf, n, TIMESTAMP_OFFSET, TIMESTAMP_LENGTH, targetTimestampMs - 1);
        return slot < 0 ? NONE : baseOffset() + relativeOffsetIn(buf, slot);
    }

    /**
     * The timestamp of the last entry. Thread-safe.
     *
     * @return the last entry's timestamp in milliseconds, or {@link #NONE} (-1) if the index is empty
     */
    public long lastTimestamp() {
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int readable = readableEntries(buf, n);
        return readable == 0 ? NONE : timestampIn(buf, readable - 1);
    }

    /**
     * The offset of the last entry. Thread-safe.
     *
     * @return the last entry's absolute offset, or {@link #baseOffset()} if the index is empty
     */
    public long lastOffset() {
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int readable = readableEntries(buf, n);
        return readable == 0 ? baseOffset() : baseOffset() + relativeOffsetIn(buf, readable - 1);
    }

    /**
     * Removes every entry whose offset is at least {@code offset}. Writer thread only.
     *
     * @param offset the first absolute offset to remove
     * @throws IllegalStateException if the index is read-only or closed
     */
    public void truncateTo(final long offset) {
        ensureWritable();
        final int keep = offset <= baseOffset() ? 0
            : floorSlot(mmap(), entries(), RELATIVE_OFFSET_OFFSET, RELATIVE_OFFSET_LENGTH,
                offset - 1 - baseOffset()) + 1;
        truncateToEntries(keep);
    }

    /**
     * The timestamp of entry {@code n}. Thread-safe.
     *
     * @param n the entry index
     * @return the entry's timestamp in milliseconds
     * @throws IndexOutOfBoundsException if {@code n} is not in {@code [0, entries())}
     */
    public long timestampAt(final int n) {
        final int published = entries();
        final MappedByteBuffer buf = mmap();
        ensureEntryIndex(n, readableEntries(buf, published));
        return timestampIn(buf, n);
    }

    /**
     * The absolute offset of entry {@code n}. Thread-safe.
     *
     * @param n the entry index
     * @return {@code baseOffset + relative offset} of the entry
     * @throws IndexOutOfBoundsException if {@code n} is not in {@code [0, entries())}
     */
    public long offsetAt(final int n) {
        final int published = entries();
        final MappedByteBuffer buf = mmap();
        ensureEntryIndex(n, readableEntries(buf, published));
        return baseOffset() + relativeOffsetIn(buf, n);
    }

    /**
     * Checks that the file is a whole number of entries, relative offsets are non-negative and strictly
     * increase, and timestamps do not decrease. Run by the segment loader (writer thread) after opening.
     *
     * @param logFileSizeBytes the size of the segment's {@code .log} file (unused: entries hold no positions)
     * @throws CorruptIndexException naming the file, the entry and the bad values
     */
    @Override
    public void sanityCheck(final long logFileSizeBytes) {
        ensureWholeEntries();
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int readable = readableEntries(buf, n);
        for (int i = 0; i < readable; i++) {
            final int relativeOffset = relativeOffsetIn(buf, i);
            final long timestampMs = timestampIn(buf, i);
            if (relativeOffset < 0) {
                throw new CorruptIndexException("time index entry out of range: file=" + file() + " entry=" + i
                    + " relativeOffset=" + relativeOffset + " timestampMs=" + timestampMs);
            }
            if (i > 0) {
                final int previousRelativeOffset = relativeOffsetIn(buf, i - 1);
                final long previousTimestampMs = timestampIn(buf, i - 1);
                if (relativeOffset <= previousRelativeOffset || timestampMs < previousTimestampMs) {
                    throw new CorruptIndexException("time index entries out of order: file=" + file() + " entry="
                        + i + " relativeOffset=" + relativeOffset + " previousRelativeOffset="
                        + previousRelativeOffset + " timestampMs=" + timestampMs + " previousTimestampMs="
                        + previousTimestampMs);
                }
            }
        }
    }

    @Override
    protected boolean isValidSuccessor(final ByteBuffer buf, final int previousSlot, final int slot) {
        final int relativeOffset = relativeOffsetIn(buf, slot);
        final long timestampMs = timestampIn(buf, slot);
        if (previousSlot < 0) {
            return relativeOffset >= 0 && timestampMs >= 0;
        }
        return relativeOffset > relativeOffsetIn(buf, previousSlot) && timestampMs >= timestampIn(buf, previousSlot);
    }

    private static long timestampIn(final ByteBuffer buf, final int slot) {
        return buf.getLong(slot * ENTRY_SIZE + TIMESTAMP_OFFSET);
    }

    private static int relativeOffsetIn(final ByteBuffer buf, final int slot) {
        return buf.getInt(slot * ENTRY_SIZE + RELATIVE_OFFSET_OFFSET);
    }
}
