package dev.ferry.log.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse index from offsets to byte positions in a segment's {@code .log} file (file suffix {@code .index}).
 *
 * <p>The index is sparse: the segment adds an entry every {@code index.interval.bytes} of log, and only for the
 * first offset of a record batch, so a lookup finds the batch at or before the target offset and the caller
 * scans forward from its position.
 *
 * <h2>Format</h2>
 * A sequence of 8-byte entries, big-endian, with no header, no trailer and no checksum; sorted by offset, and
 * positions do not decrease.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            relative offset (int32) = offset - baseOffset       |  bytes 0..3
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |            position (int32): byte position of the batch in .log |  bytes 4..7
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 *  file:  | entry 0 | entry 1 | ... | entry n-1 | 0 0 0 ... (preallocated, active segment only) |
 * </pre>
 * Storing offsets relative to the segment's base offset halves the entry size; a segment therefore spans at
 * most {@link Integer#MAX_VALUE} offsets ({@link #canAppendOffset(long)}). The file has no checksum: after an
 * unclean shutdown the index is rebuilt from the log. How the entry count of a preallocated file is recovered
 * on a writable open is described in {@link AbstractIndex}.
 *
 * <p>Single writer, concurrent readers: {@link #append(long, int)}, {@link #truncateTo(long)} and the methods
 * of {@link AbstractIndex} documented so run on the writer thread only; lookups are lock-free and
 * allocation-free and may run on any thread. A lookup racing with a truncation may return a stale entry; the
 * caller validates the batch header at the returned position and falls back to a scan.
 */
public final class OffsetIndex extends AbstractIndex {
    private static final int RELATIVE_OFFSET_OFFSET = 0;
    private static final int RELATIVE_OFFSET_LENGTH = Integer.BYTES;
    private static final int POSITION_OFFSET = RELATIVE_OFFSET_OFFSET + RELATIVE_OFFSET_LENGTH;
    private static final int POSITION_LENGTH = Integer.BYTES;

    /** Size of one entry in bytes: relative offset (4) and position (4). */
    public static final int ENTRY_SIZE = POSITION_OFFSET + POSITION_LENGTH;

    private OffsetIndex(final Path file, final long baseOffset, final int maxIndexSizeBytes, final boolean writable)
        throws IOException {
        super(file, baseOffset, maxIndexSizeBytes, writable, ENTRY_SIZE);
    }

    /**
     * Opens or creates an offset index. A writable index (active segment) is created if missing, its valid
     * entries are recovered with the rule in {@link AbstractIndex}, and the file is preallocated to
     * {@code maxIndexSizeBytes} rounded down to whole entries. A read-only index (a rolled segment's trimmed
     * file) must exist, and every whole entry of the file is valid. Call {@link #sanityCheck(long)} afterwards
     * to validate the entries against the log. Writer thread only.
     *
     * @param file the {@code .index} file
     * @param baseOffset the segment's base offset
     * @param maxIndexSizeBytes the preallocated size of a writable index; ignored when read-only
     * @param writable whether the index belongs to the active segment
     * @return the opened index
     * @throws IOException if the file cannot be opened, resized or mapped
     * @throws IllegalArgumentException if {@code baseOffset} is negative or a writable index cannot hold one
     *     entry
     */
    public static OffsetIndex open(final Path file, final long baseOffset, final int maxIndexSizeBytes,
                                   final boolean writable) throws IOException {
        final OffsetIndex index = new OffsetIndex(file, baseOffset, maxIndexSizeBytes, writable);
        if (writable) {
            index.recoverAndPreallocate(maxIndexSizeBytes);
        }
        return index;
    }

    /**
     * Appends an entry. Writer thread only.
     *
     * @param offset the absolute offset of the first record of a batch; greater than {@link #lastOffset()}
     *     unless the index is empty, and within {@link #canAppendOffset(long)}
     * @param position the byte position of that batch in the log; not below the last entry's position
     * @throws IllegalArgumentException if the offset does not increase or is out of range, or the position is
     *     negative or decreases
     * @throws IllegalStateException if the index is full, read-only or closed
     */
    public void append(final long offset, final int position) {
        ensureWritable();
        ensureNotFull();
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        if (n > 0) {
            final long lastOffset = baseOffset() + relativeOffsetIn(buf, n - 1);
            final int lastPosition = positionIn(buf, n - 1);
            if (offset <= lastOffset || position < lastPosition) {
                throw new IllegalArgumentException("offset index entries must increase: offset=" + offset
                    + " lastOffset=" + lastOffset + " position=" + position + " lastPosition=" + lastPosition
                    + " file=" + file());
            }
        } else if (position < 0) {
            throw new IllegalArgumentException("position must be non-negative: offset=" + offset + " position="
                + position + " file=" + file());
        }
        final int slotStart = n * ENTRY_SIZE;
        buf.putInt(slotStart + RELATIVE_OFFSET_OFFSET, relativeOffset(offset));
        buf.putInt(slotStart + POSITION_OFFSET, position);
        publishAppendedEntry();
    }

    /**
     * The position of the entry with the largest offset at most {@code targetOffset}. Lock-free and
     * allocation-free; thread-safe.
     *
     * @param targetOffset the absolute offset searched for
     * @return the entry's position, or 0 (the start of the segment) if no entry is at or below the target
     */
    public int lookupPosition(final long targetOffset) {
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int slot = floorSlotByOffset(buf, n, targetOffset);
        return slot < 0 ? 0 : positionIn(buf, slot);
    }

    /**
     * The absolute offset of the entry with the largest offset at most {@code targetOffset}. Lock-free and
     * allocation-free; thread-safe.
     *
     * @param targetOffset the absolute offset searched for
     * @return the entry's offset, or {@link #baseOffset()} if no entry is at or below the target
     */
    public long lookupOffset(final long targetOffset) {
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int slot = floorSlotByOffset(buf, n, targetOffset);
        return slot < 0 ? baseOffset() : baseOffset() + relativeOffsetIn(buf, slot);
    }

    /**
     * The largest indexed position at most {@code maxPosition}; positions do not decrease, so this is a binary
     * search. Lock-free and allocation-free; thread-safe.
     *
     * @param maxPosition the byte position searched for
     * @return the largest indexed position {@code <= maxPosition}, or 0 if there is none
     */
    public int floorPositionByPosition(final int maxPosition) {
        final int n = entries();
        final MappedByteBuffer buf = mmap();
        final int slot = floorSlot(buf, n, POSITION_OFFSET, POSITION_LENGTH, maxPosition);
        return slot < 0 ? 0 : positionIn(buf, slot);
    }

    /**
     * The offset of the last entry. Thread-safe.
     *
     * @return the absolute offset of the last entry, or {@link #baseOffset()} if the index is empty
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
        final int keep = offset <= baseOffset() ? 0 : floorSlotByOffset(mmap(), entries(), offset - 1) + 1;
        truncateToEntries(keep);
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
     * The position of entry {@code n}. Thread-safe.
     *
     * @param n the entry index
     * @return the entry's byte position in the log
     * @throws IndexOutOfBoundsException if {@code n} is not in {@code [0, entries())}
     */
    public int positionAt(final int n) {
        final int published = entries();
        final MappedByteBuffer buf = mmap();
        ensureEntryIndex(n, readableEntries(buf, published));
        return positionIn(buf, n);
    }

    /**
     * Checks that the file is a whole number of entries, relative offsets are non-negative and strictly
     * increase, and positions are non-negative, do not decrease and do not exceed the log size. Run by the
     * segment loader (writer thread) after opening.
     *
     * @param logFileSizeBytes the size of the segment's {@code .log} file
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
            final int position = positionIn(buf, i);
            if (relativeOffset < 0 || position < 0 || position > logFileSizeBytes) {
                throw new CorruptIndexException("offset index entry out of range: file=" + file() + " entry=" + i
                    + " relativeOffset=" + relativeOffset + " position=" + position + " logFileSizeBytes="
                    + logFileSizeBytes);
            }
            if (i > 0) {
                final int previousRelativeOffset = relativeOffsetIn(buf, i - 1);
                final int previousPosition = positionIn(buf, i - 1);
                if (relativeOffset <= previousRelativeOffset || position < previousPosition) {
                    throw new CorruptIndexException("offset index entries out of order: file=" + file() + " entry="
                        + i + " relativeOffset=" + relativeOffset + " previousRelativeOffset="
                        + previousRelativeOffset + " position=" + position + " previousPosition="
                        + previousPosition);
                }
            }
        }
    }

    @Override
    protected boolean isValidSuccessor(final ByteBuffer buf, final int previousSlot, final int slot) {
        final int relativeOffset = relativeOffsetIn(buf, slot);
        final int position = positionIn(buf, slot);
        if (previousSlot < 0) {
            return relativeOffset >= 0 && position >= 0;
        }
        return relativeOffset > relativeOffsetIn(buf, previousSlot) && position >= positionIn(buf, previousSlot);
    }

    private int floorSlotByOffset(final ByteBuffer buf, final int publishedEntries, final long targetOffset) {
        if (targetOffset < baseOffset()) {
            return -1;
        }
        return floorSlot(buf, publishedEntries, RELATIVE_OFFSET_OFFSET, RELATIVE_OFFSET_LENGTH,
            targetOffset - baseOffset());
    }

    private static int relativeOffsetIn(final ByteBuffer buf, final int slot) {
        return buf.getInt(slot * ENTRY_SIZE + RELATIVE_OFFSET_OFFSET);
    }

    private static int positionIn(final ByteBuffer buf, final int slot) {
        return buf.getInt(slot * ENTRY_SIZE + POSITION_OFFSET);
    }
}
