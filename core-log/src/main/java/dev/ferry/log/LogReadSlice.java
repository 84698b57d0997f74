package dev.ferry.log;

import dev.ferry.log.segment.LogSegment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A zero-copy view of whole record batches in one segment file: (channel, position, size), fixed when the read
 * was served. The network layer sends it with {@link #writeTo} ({@code FileChannel.transferTo}, which Linux
 * turns into sendfile) or wraps {@link #channel()} in a file region; no batch byte passes through the heap.
 *
 * <p>The channel belongs to the log: a file region that wraps it must not close it (Netty's
 * {@code DefaultFileRegion} closes its channel when released, so wrap the channel in a region that does not).
 * If retention deletes the segment and its delay runs out before the slice is sent, sending fails with
 * {@link SegmentDeletedException}; if the file shrank under the slice, with {@link LogStorageException}.
 *
 * <p>Immutable; {@link #writeTo} may be called from any thread.
 */
public final class LogReadSlice {
    /** No batch to read: the offset is at the bound (high watermark or log end). */
    public static final LogReadSlice EMPTY = new LogReadSlice(null, 0, 0, -1, -1);

    private final LogSegment segment;
    private final long position;
    private final int sizeInBytes;
    private final long firstBatchBaseOffset;
    private final long nextOffset;

    LogReadSlice(final LogSegment segment, final long position, final int sizeInBytes,
                 final long firstBatchBaseOffset, final long nextOffset) {
        this.nextOffset = nextOffset;
        this.segment = segment;
        this.position = position;
        this.sizeInBytes = sizeInBytes;
        this.firstBatchBaseOffset = firstBatchBaseOffset;
    }

    /** @return true when there is nothing to send */
    public boolean isEmpty() {
        return sizeInBytes == 0;
    }

    /** @return the file channel of the segment, or null for {@link #EMPTY} */
    public FileChannel channel() {
        return segment == null ? null : segment.channel();
    }

    /** @return the file position of the first batch */
    public long position() {
        return position;
    }

    /** @return the number of bytes: whole batches only */
    public int sizeInBytes() {
        return sizeInBytes;
    }

    /**
     * The first batch may start before the offset that was asked for (a batch is never split): consumers skip
     * records below their fetch offset.
     *
     * @return the base offset of the first batch, -1 for {@link #EMPTY}
     */
    public long firstBatchBaseOffset() {
        return firstBatchBaseOffset;
    }

    /**
     * @return the offset after the slice's last batch: where the next read continues; -1 for {@link #EMPTY}
     */
    public long nextOffset() {
        return nextOffset;
    }

    /**
     * Sends the whole slice with {@code transferTo}.
     *
     * @param target the socket (or any channel)
     * @return bytes written, always {@link #sizeInBytes()}
     * @throws IOException when the target fails
     */
    public long writeTo(final WritableByteChannel target) throws IOException {
        long written = 0;
        while (written < sizeInBytes) {
            written += writeTo(target, written, sizeInBytes - written);
        }
        return written;
    }

    /**
     * Sends part of the slice with one {@code transferTo} call, for non-blocking targets that accept only part.
     *
     * @param target the socket (or any channel)
     * @param offsetInSlice where to start, relative to the slice
     * @param maxBytes how much to send at most
     * @return bytes written by this call (0 when a non-blocking target is full)
     * @throws IOException when the target fails
     */
    public long writeTo(final WritableByteChannel target, final long offsetInSlice, final long maxBytes)
        throws IOException {
        if (segment == null || maxBytes <= 0) {
            return 0;
        }
        final FileChannel channel = segment.channel();
        final long from = position + offsetInSlice;
        final long count = Math.min(maxBytes, sizeInBytes - offsetInSlice);
        try {
            final long n = channel.transferTo(from, count, target);
            if (n == 0 && channel.size() < position + sizeInBytes) {
                throw new LogStorageException("segment shrank under a read: file=" + segment.logFile()
                    + " slicePosition=" + position + " sliceSize=" + sizeInBytes + " fileSize=" + channel.size(),
                    null, false);
            }
            return n;
        } catch (final ClosedChannelException e) {
            if (!channel.isOpen()) {
                throw deleted(e);
            }
            throw e;
        }
    }

    /**
     * Copies the slice into a buffer: for callers that must transform bytes (TLS) and for tests. Not zero-copy.
     *
     * @param dst receives {@link #sizeInBytes()} bytes at its position
     * @throws IOException on a read error
     */
    public void readInto(final ByteBuffer dst) throws IOException {
        if (segment == null) {
            return;
        }
        final ByteBuffer view = dst.duplicate();
        view.limit(view.position() + sizeInBytes);
        long pos = position;
        try {
            while (view.hasRemaining()) {
                final int n = segment.channel().read(view, pos);
                if (n < 0) {
                    throw new LogStorageException("segment shrank under a read: file=" + segment.logFile()
                        + " position=" + pos, null, false);
                }
                pos += n;
            }
        } catch (final ClosedChannelException e) {
            throw deleted(e);
        }
        dst.position(dst.position() + sizeInBytes);
    }

    private SegmentDeletedException deleted(final ClosedChannelException e) {
        return new SegmentDeletedException("segment was deleted while being read: file=" + segment.logFile()
            + " firstBatchBaseOffset=" + firstBatchBaseOffset + "; fetch again from the same offset", e);
    }

    @Override
    public String toString() {
        return "LogReadSlice(position=" + position + ", size=" + sizeInBytes + ", firstBatchBaseOffset="
            + firstBatchBaseOffset + ", nextOffset=" + nextOffset + ")";
    }
}
