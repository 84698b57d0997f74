package dev.ferry.node.network;

import dev.ferry.log.LogReadSlice;
import io.netty.channel.DefaultFileRegion;

/**
 * A {@link LogReadSlice} as a Netty file region, sent with sendfile. It must be a {@link DefaultFileRegion}: the
 * epoll transport calls native sendfile only for that class ({@code AbstractEpollStreamChannel.doWriteSingle}
 * tests {@code instanceof DefaultFileRegion}; any other {@code FileRegion} goes through {@code transferTo} into a
 * wrapper channel, which the JDK serves through a heap buffer), and on NIO its {@code transferTo} is
 * {@code FileChannel.transferTo(SocketChannel)}, which the JDK turns into sendfile. Unlike its parent it does not
 * close the file channel when released: the channel belongs to the log's segment.
 *
 * <p>Not thread-safe (owned by the channel's outbound buffer once written).
 */
final class SliceRegion extends DefaultFileRegion {

    /** @param slice a non-empty slice */
    SliceRegion(final LogReadSlice slice) {
        super(slice.channel(), slice.position(), slice.sizeInBytes());
    }

    @Override
    protected void deallocate() {
        // The segment's channel stays open: the log closes it when it deletes or closes the segment.
    }
}
