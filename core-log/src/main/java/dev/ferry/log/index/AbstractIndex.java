package dev.ferry.log.index;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sparse index of fixed-size entries in a memory-mapped file, sorted by offset. Subclasses define the entry
 * layout ({@link OffsetIndex}, {@link TimeIndex}); this class owns the mapping, the entry count, resizing,
 * trimming, renaming and the binary search.
 *
 * <p>Files have no header and no checksum: an index is derived data, and after an unclean shutdown the caller
 * ({@code LogSegment} recovery) rebuilds it from the log.
 *
 * <h2>File size and entry count</h2>
 * An index opened writable (the active segment) is preallocated to {@code maxIndexSizeBytes} rounded down to a
 * multiple of the entry size, so appends never grow the file. On roll or close, {@link #trimToValidSize()}
 * shrinks it to exactly {@code entries * entrySize}, so a read-only open takes every whole entry of the file as
 * valid. A writable open cannot tell the valid entries of a preallocated file from its length; it recovers them
 * with this rule:
 * <ol>
 *   <li>the scan ignores the all-zero entries at the end of the file (unused preallocated space);</li>
 *   <li>the valid entries are the longest prefix in which relative offsets are non-negative and strictly
 *       increase and the second field (position or timestamp) is non-negative and does not decrease;</li>
 *   <li>entry 0 counts only if its bytes are not all zero or it is followed by a valid entry: an all-zero
 *       entry 0 alone is indistinguishable from an empty file. Dropping it loses nothing, as a lookup on an
 *       empty index gives the same answer as one on the entry (relative offset 0, position 0).</li>
 * </ol>
 * Entries after the valid prefix are zeroed, and {@link #truncateToEntries(int)} zeroes the entries it removes,
 * so stale bytes from before a truncation never reappear as valid entries after a crash.
 *
 * <h2>Concurrency</h2>
 * One writer thread (the partition's append thread) calls the methods documented "Writer thread only". Any
 * number of reader threads call the lookups without a lock and without allocating:
 * <ul>
 *   <li>the writer stores an entry's bytes, then publishes the new count in a {@code volatile int}; a reader
 *       reads the count once, then the mapping, and looks only at entries below that count;</li>
 *   <li>the current {@link MappedByteBuffer} is held in a {@code volatile} field and is accessed only through
 *       absolute {@code getInt(index)}/{@code getLong(index)} and puts, so its position and limit are never
 *       touched and no {@code duplicate()} is needed;</li>
 *   <li>nothing is ever unmapped explicitly: a reader may still hold an old mapping, and the garbage collector
 *       unmaps it when no reader does;</li>
 *   <li>the file is never shrunk below the published entries, so a reader never touches mapped bytes past the
 *       end of the file (which would raise SIGBUS). Shrinking the file after a {@link #truncateToEntries(int)}
 *       while readers may still use the count from before the truncation is the caller's responsibility to
 *       avoid: Ferry trims only on roll and close, and re-grows the active index after a truncation.</li>
 * </ul>
 * A reader racing with a truncation may see a stale or zeroed entry. That is acceptable: the caller
 * ({@code LogSegment}) validates the batch header it finds at the returned position and falls back to a scan
 * of the segment.
 *
 * <p>Single writer, concurrent readers.
 */
public abstract class AbstractIndex implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(AbstractIndex.class);

    /**
     * Bytes at the end of the index searched first. Nearly all lookups (replication, consumers at the head of
     * the log) land in the last few hundred entries. A plain binary search over the whole index touches pages
     * in the middle of the file on every lookup; those pages go cold and are evicted, and faulting them back in
     * stalled Kafka's lookups for up to about a second (KAFKA-6432). 8 KiB is two 4 KiB pages: 1024 offset
     * entries or 682 time entries, enough to cover the lookups of in-sync followers and consumers.
     */
    private static final int WARM_SECTION_BYTES = 8192;

    private final long baseOffset;
    private final int entrySize;
    private final boolean writable;
    private final int warmEntries;

    private volatile Path file;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;
    private volatile int maxEntries;
    private int lengthBytes;
    private boolean closed;

    /**
     * Maps an index file. A writable index file is created if missing and mapped read-write with its current
     * length (rounded down to whole entries) and an entry count of 0; the subclass factory then calls
     * {@link #recoverAndPreallocate(int)}. A read-only index file must exist; it is mapped read-only and all its
     * whole entries are valid.
     *
     * @param file the index file
     * @param baseOffset the segment's base offset; relative offsets are stored relative to it
     * @param maxIndexSizeBytes the preallocated size of a writable index; ignored when read-only
     * @param writable whether the index belongs to the active segment and may be appended to
     * @param entrySize the size of one entry in bytes
     * @throws IOException if the file cannot be opened or mapped
     * @throws IllegalArgumentException if {@code baseOffset} is negative or a writable index cannot hold one
     *     entry
     */
    protected AbstractIndex(final Path file, final long baseOffset, final int maxIndexSizeBytes,
                            final boolean writable, final int entrySize) throws IOException {
        if (baseOffset < 0) {
            throw new IllegalArgumentException("baseOffset must be non-negative: baseOffset=" + baseOffset
                + " file=" + file);
        }
        if (writable && maxIndexSizeBytes < entrySize) {
            throw new IllegalArgumentException("maxIndexSizeBytes must hold one entry: maxIndexSizeBytes="
                + maxIndexSizeBytes + " entrySizeBytes=" + entrySize + " file=" + file);
        }
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        this.writable = writable;
        this.warmEntries = WARM_SECTION_BYTES / entrySize;
        if (writable) {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
                final int length = roundDownToEntries(channel.size());
                this.mmap = channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
                this.lengthBytes = length;
                this.entries = 0;
            }
        } else {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final long size = channel.size();
                if (size > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("index file too large: sizeBytes=" + size + " file=" + file);
                }
                this.mmap = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                this.lengthBytes = (int) size;
                this.entries = (int) size / entrySize;
            }
        }
        this.maxEntries = lengthBytes / entrySize;
    }

    /**
     * Recovers the entry count of a writable index with the rule in the class Javadoc, zeroes the entries after
     * the valid ones, and preallocates the file to {@code maxIndexSizeBytes} (never below the valid entries).
     * Called once by the subclass factory right after construction. Writer thread only.
     *
     * @param maxIndexSizeBytes the preallocated size of the file
     * @throws IOException if the file cannot be resized
     */
    protected final void recoverAndPreallocate(final int maxIndexSizeBytes) throws IOException {
        final MappedByteBuffer buf = mmap;
        int lastNonZero = buf.limit() / entrySize - 1;
        while (lastNonZero >= 0 && isZeroEntry(buf, lastNonZero)) {
            lastNonZero--;
        }
        int valid = 0;
        while (valid <= lastNonZero && isValidSuccessor(buf, valid - 1, valid)) {
            valid++;
        }
        if (valid == 1 && isZeroEntry(buf, 0)) {
            valid = 0;
        }
        if (valid <= lastNonZero) {
            LOG.warn("Discarding index entries after the valid prefix: file={} validEntries={} lastNonZeroEntry={}",
                file, valid, lastNonZero);
            zeroEntries(buf, valid, lastNonZero + 1);
        }
        entries = valid;
        resize(Math.max(roundDownToEntries(maxIndexSizeBytes), valid * entrySize));
    }

    /**
     * Whether entry {@code slot} may follow entry {@code previousSlot} in a valid index. Used only to recover
     * the entry count of a writable index on open.
     *
     * @param buf the mapping
     * @param previousSlot the previous entry, or -1 if {@code slot} is the first entry
     * @param slot the entry to check
     * @return true if the entry's fields are in range and ordered after the previous entry
     */
    protected abstract boolean isValidSuccessor(ByteBuffer buf, int previousSlot, int slot);

    /**
     * Checks the index against itself and its log file.
     *
     * @param logFileSizeBytes the size of the segment's log file
     * @throws CorruptIndexException if the file length is not a whole number of entries, offsets do not
     *     strictly increase, or the second field is out of order or out of range
     */
    public abstract void sanityCheck(long logFileSizeBytes);

    /**
     * The index file. Thread-safe.
     *
     * @return the current path of the index file
     */
    public Path file() {
        return file;
    }

    /**
     * The base offset of the segment. Thread-safe.
     *
     * @return the offset that relative offsets are relative to
     */
    public long baseOffset() {
        return baseOffset;
    }

    /**
     * The number of valid entries, as last published by the writer. Thread-safe.
     *
     * @return the number of valid entries
     */
    public int entries() {
        return entries;
    }

    /**
     * The number of entries the current mapping can hold. Thread-safe.
     *
     * @return the capacity in entries
     */
    public int maxEntries() {
        return maxEntries;
    }

    /**
     * Whether the index cannot take another entry without {@link #resize(int)}. Thread-safe.
     *
     * @return true if {@code entries() >= maxEntries()}
     */
    public boolean isFull() {
        return entries >= maxEntries;
    }

    /**
     * The size of the valid entries. Thread-safe.
     *
     * @return {@code entries() * entrySize} in bytes
     */
    public long sizeInBytes() {
        return (long) entries * entrySize;
    }

    /**
     * Sets the file length to {@code newMaxSizeBytes} rounded down to whole entries and maps it again. The old
     * mapping is not unmapped; readers that still hold it keep working. Writer thread only.
     *
     * @param newMaxSizeBytes the new file length in bytes
     * @return true if the length changed, false if it already had that length
     * @throws IOException if the file cannot be resized or mapped
     * @throws IllegalArgumentException if the new length is below {@link #sizeInBytes()}
     * @throws IllegalStateException if the index is read-only or closed
     */
    public boolean resize(final int newMaxSizeBytes) throws IOException {
        ensureWritable();
        final int newLengthBytes = roundDownToEntries(newMaxSizeBytes);
        if (newMaxSizeBytes < 0 || newLengthBytes < sizeInBytes()) {
            throw new IllegalArgumentException("cannot resize below the valid entries: newMaxSizeBytes="
                + newMaxSizeBytes + " sizeInBytes=" + sizeInBytes() + " file=" + file);
        }
        if (newLengthBytes == lengthBytes) {
            return false;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // Shrinking cuts only bytes past the published entries, which no reader looks at, so the old mapping
            // can stay published until the new one replaces it.
            if (newLengthBytes > raf.length()) {
                allocateZeros(raf.getChannel(), raf.length(), newLengthBytes);
            } else {
                raf.setLength(newLengthBytes);
            }
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, newLengthBytes);
        }
        lengthBytes = newLengthBytes;
        maxEntries = newLengthBytes / entrySize;
        return true;
    }

    /**
     * Grows a file by writing zeros rather than by {@code setLength}: a sparse file would allocate its blocks
     * only when the mapping is first written, and on a full disk that write kills the JVM with SIGBUS instead
     * of failing here with an IOException the log can handle.
     */
    private static void allocateZeros(final FileChannel channel, final long from, final long to) throws IOException {
        final ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(1, to - from)));
        long pos = from;
        while (pos < to) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), to - pos));
            pos += channel.write(zeros, pos);
        }
    }

    /**
     * Shrinks the file to exactly the valid entries, so that a later read-only open finds them by the file
     * length. Used on roll and close. No-op for a read-only or closed index. Writer thread only.
     *
     * @throws IOException if the file cannot be resized
     */
    public void trimToValidSize() throws IOException {
        if (writable && !closed) {
            resize((int) sizeInBytes());
        }
    }

    /**
     * Forces the mapped entries to the storage device. No-op for a read-only index. Writer thread only (or any
     * thread that is allowed to flush the segment).
     *
     * @throws IOException never in practice; declared for callers that treat flushes as I/O
     */
    public void flush() throws IOException {
        if (writable) {
            mmap.force();
        }
    }

    /**
     * Renames the index file, replacing {@code newFile} if it exists; atomically where the file system allows.
     * The mapping stays valid. Writer thread only.
     *
     * @param newFile the new path
     * @throws IOException if the rename fails; the index then keeps its old path
     */
    public void renameTo(final Path newFile) throws IOException {
        try {
            Files.move(file, newFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException ignored) {
            Files.move(file, newFile, StandardCopyOption.REPLACE_EXISTING);
        }
        file = newFile;
    }

    /**
     * Keeps only the first {@code n} entries. The new count is published before the removed entries are
     * zeroed, so readers stop looking at them first. Writer thread only.
     *
     * @param n the number of entries to keep
     * @throws IllegalArgumentException if {@code n} is negative or greater than {@link #entries()}
     * @throws IllegalStateException if the index is read-only or closed
     */
    public void truncateToEntries(final int n) {
        ensureWritable();
        final int oldEntries = entries;
        if (n < 0 || n > oldEntries) {
            throw new IllegalArgumentException("cannot truncate to entries=" + n + ": entries=" + oldEntries
                + " file=" + file);
        }
        if (n == oldEntries) {
            return;
        }
        entries = n;
        zeroEntries(mmap, n, oldEntries);
    }

    /**
     * Removes all entries; the file keeps its length. Writer thread only.
     *
     * @throws IllegalStateException if the index is read-only or closed
     */
    public void reset() {
        truncateToEntries(0);
    }

    /**
     * Trims a writable index to its valid entries and marks it closed; later writer calls throw. No channel is
     * held open between calls, and the mapping is not unmapped: lookups on a closed index keep working, and the
     * garbage collector releases the mapping. Idempotent. Writer thread only.
     *
     * @throws IOException if the file cannot be trimmed
     */
    @Override
    public void close() throws IOException {
        trimToValidSize();
        closed = true;
    }

    /**
     * Deletes the index file if it exists. The mapping is not unmapped: readers that still hold it keep
     * reading the (unlinked) file until the garbage collector releases it. Writer thread only.
     *
     * @throws IOException if the file exists and cannot be deleted
     */
    public void deleteIfExists() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * Whether {@code offset} can be stored in this index, i.e. {@code offset - baseOffset} fits in an int.
     * Thread-safe.
     *
     * @param offset an absolute offset
     * @return true if {@code 0 <= offset - baseOffset <= Integer.MAX_VALUE}
     */
    public boolean canAppendOffset(final long offset) {
        return offset >= baseOffset && offset - baseOffset <= Integer.MAX_VALUE;
    }

    /**
     * Converts an absolute offset to the relative offset stored in an entry.
     *
     * @param offset an absolute offset
     * @return {@code offset - baseOffset}
     * @throws IllegalArgumentException if the relative offset does not fit in {@code [0, Integer.MAX_VALUE]}
     */
    protected int relativeOffset(final long offset) {
        if (!canAppendOffset(offset)) {
            throw new IllegalArgumentException("relative offset out of range [0, " + Integer.MAX_VALUE
                + "]: offset=" + offset + " baseOffset=" + baseOffset + " file=" + file);
        }
        return (int) (offset - baseOffset);
    }

    /**
     * The current mapping. Lock-free readers read {@link #entries()} first, then this, once per lookup, and use
     * only absolute gets.
     *
     * @return the current mapping
     */
    protected final MappedByteBuffer mmap() {
        return mmap;
    }

    /**
     * Length of the mapped file (the mapping's size); for a read-only index, the file length at open.
     *
     * @return the length in bytes
     */
    protected final int lengthBytes() {
        return lengthBytes;
    }

    /**
     * Throws unless the index is writable and open. Called first by every writer method.
     *
     * @throws IllegalStateException if the index is read-only or closed
     */
    protected final void ensureWritable() {
        if (!writable || closed) {
            throw new IllegalStateException("index is not writable: writable=" + writable + " closed=" + closed
                + " file=" + file);
        }
    }

    /**
     * Publishes one more entry whose bytes the subclass has just written at slot {@code entries()}. Writer
     * thread only.
     */
    protected final void publishAppendedEntry() {
        entries = entries + 1;
    }

    /**
     * Throws if no entry can be appended.
     *
     * @throws IllegalStateException if the index is full
     */
    protected final void ensureNotFull() {
        if (isFull()) {
            throw new IllegalStateException("index is full: entries=" + entries + " maxEntries=" + maxEntries
                + " file=" + file);
        }
    }

    /**
     * Binary search for the last entry whose field is at most {@code target}, assuming the field does not
     * decrease. Searches the warm section at the end first (see {@link #WARM_SECTION_BYTES}). Allocation-free.
     * A racing truncation can make the entries unordered; the search then still ends and returns some slot
     * below the count.
     *
     * @param buf the mapping read by the caller
     * @param publishedEntries the entry count read by the caller before {@code buf}
     * @param fieldOffsetBytes offset of the field within an entry
     * @param fieldLengthBytes {@link Integer#BYTES} or {@link Long#BYTES}
     * @param target the value searched for
     * @return the slot of the last entry whose field is {@code <= target}, or -1 if there is none
     */
    protected final int floorSlot(final ByteBuffer buf, final int publishedEntries, final int fieldOffsetBytes,
                                  final int fieldLengthBytes, final long target) {
        final int n = readableEntries(buf, publishedEntries);
        if (n == 0 || field(buf, 0, fieldOffsetBytes, fieldLengthBytes) > target) {
            return -1;
        }
        final int firstWarmSlot = Math.max(0, n - warmEntries);
        if (field(buf, firstWarmSlot, fieldOffsetBytes, fieldLengthBytes) <= target) {
            return floorSlotIn(buf, firstWarmSlot, n - 1, fieldOffsetBytes, fieldLengthBytes, target);
        }
        return floorSlotIn(buf, 0, firstWarmSlot - 1, fieldOffsetBytes, fieldLengthBytes, target);
    }

    /**
     * Reads a field of an entry as a long.
     *
     * @param buf the mapping
     * @param slot the entry
     * @param fieldOffsetBytes offset of the field within an entry
     * @param fieldLengthBytes {@link Integer#BYTES} or {@link Long#BYTES}
     * @return the field's value
     */
    protected final long field(final ByteBuffer buf, final int slot, final int fieldOffsetBytes,
                               final int fieldLengthBytes) {
        final int index = slot * entrySize + fieldOffsetBytes;
        return fieldLengthBytes == Long.BYTES ? buf.getLong(index) : buf.getInt(index);
    }

    /**
     * Throws if the mapped length is not a whole number of entries. Part of every {@link #sanityCheck(long)}.
     *
     * @throws CorruptIndexException if {@code lengthBytes % entrySize != 0}
     */
    protected final void ensureWholeEntries() {
        if (lengthBytes % entrySize != 0) {
            throw new CorruptIndexException("index length is not a multiple of the entry size: file=" + file
                + " lengthBytes=" + lengthBytes + " entrySizeBytes=" + entrySize);
        }
    }

    /**
     * The number of entries a reader may look at: the published count, bounded by the mapping it read after the
     * count, because a new, smaller mapping may have been published in between (a trim after a truncation).
     *
     * @param buf the mapping read by the caller after the count
     * @param publishedEntries the entry count read by the caller
     * @return {@code min(publishedEntries, buf.limit() / entrySize)}
     */
    protected final int readableEntries(final ByteBuffer buf, final int publishedEntries) {
        return Math.min(publishedEntries, buf.limit() / entrySize);
    }

    /**
     * Throws if {@code n} is not a valid entry index for the given readable count.
     *
     * @param n the entry index
     * @param readableEntries the count from {@link #readableEntries(ByteBuffer, int)}
     * @throws IndexOutOfBoundsException if {@code n} is outside {@code [0, readableEntries)}
     */
    protected final void ensureEntryIndex(final int n, final int readableEntries) {
        if (n < 0 || n >= readableEntries) {
            throw new IndexOutOfBoundsException("entry index out of range: n=" + n + " entries=" + readableEntries
                + " file=" + file);
        }
    }

    private int floorSlotIn(final ByteBuffer buf, final int fromSlot, final int toSlot, final int fieldOffsetBytes,
                            final int fieldLengthBytes, final long target) {
        // Invariant: field(lo) <= target; the answer is in [lo, hi].
        int lo = fromSlot;
        int hi = toSlot;
        while (lo < hi) {
            final int mid = (lo + hi + 1) >>> 1;
            if (field(buf, mid, fieldOffsetBytes, fieldLengthBytes) <= target) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private boolean isZeroEntry(final ByteBuffer buf, final int slot) {
        // Word-sized reads: recovery may scan a whole preallocated file (10 MiB by default) from the end.
        final int end = (slot + 1) * entrySize;
        int i = slot * entrySize;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private void zeroEntries(final ByteBuffer buf, final int fromSlot, final int toSlot) {
        final int end = toSlot * entrySize;
        for (int i = fromSlot * entrySize; i < end; i++) {
            buf.put(i, (byte) 0);
        }
    }

    private int roundDownToEntries(final long sizeBytes) {
        final long clamped = Math.max(0, Math.min(sizeBytes, Integer.MAX_VALUE));
        return (int) (clamped - clamped % entrySize);
    }
}
