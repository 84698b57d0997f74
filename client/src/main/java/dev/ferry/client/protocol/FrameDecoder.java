package dev.ferry.client.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Cuts the byte stream into {@link Frame}s: a length-prefixed frame of at most {@code maxFrameBytes} (failing
 * fast with {@code TooLongFrameException} as soon as the prefix announces more), then split into header, body
 * and records with every length checked ({@link MalformedFrameException}). Never {@code @Sharable}: it keeps
 * the partial frame of its connection.
 *
 * <p>Not thread-safe (one per channel, on its event loop).
 */
public final class FrameDecoder extends LengthFieldBasedFrameDecoder {

    /** @param maxFrameBytes the largest frame accepted, length prefix excluded */
    public FrameDecoder(final int maxFrameBytes) {
        super(maxFrameBytes + FrameLayout.FRAME_LENGTH_BYTES, 0, FrameLayout.FRAME_LENGTH_BYTES, 0,
            FrameLayout.FRAME_LENGTH_BYTES, true);
    }

    @Override
    protected Object decode(final ChannelHandlerContext ctx, final ByteBuf in) throws Exception {
        final ByteBuf frame = (ByteBuf) super.decode(ctx, in);
        return frame == null ? null : Frame.parse(frame);
    }

    @Override
    protected ByteBuf extractFrame(final ChannelHandlerContext ctx, final ByteBuf buffer, final int index,
                                   final int length) {
        // A retained slice instead of a copy: the frame's views point into the socket buffer.
        return buffer.retainedSlice(index, length);
    }
}
