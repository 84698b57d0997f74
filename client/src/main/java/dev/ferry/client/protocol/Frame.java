package dev.ferry.client.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;

import java.io.IOException;
import java.io.InputStream;

/**
 * One received frame: views of its header, body and records over the frame's buffer, no copy. Release it
 * (or let a {@code SimpleChannelInboundHandler} release it) when done; the views die with it.
 *
 * <p>Not thread-safe.
 */
public final class Frame extends AbstractReferenceCounted {
    private final ByteBuf frame;
    private final ByteBuf header;
    private final ByteBuf body;
    private final ByteBuf records;

    private Frame(final ByteBuf frame, final ByteBuf header, final ByteBuf body, final ByteBuf records) {
        this.frame = frame;
        this.header = header;
        this.body = body;
        this.records = records;
    }

    /**
     * Splits a frame (everything after the frame length field) into its parts, checking every length.
     *
     * @param frame the frame's bytes, readerIndex at the header length field; owned by the returned frame
     * @return the frame
     * @throws MalformedFrameException naming the field when the lengths do not fit the frame
     */
    public static Frame parse(final ByteBuf frame) {
        try {
            final int size = frame.readableBytes();
            if (size < FrameLayout.MIN_FRAME_LENGTH) {
                throw new MalformedFrameException("frame too short: frameLength=" + size + " min="
                    + FrameLayout.MIN_FRAME_LENGTH);
            }
            final int headerLength = frame.readInt();
            if (headerLength < 0 || headerLength > frame.readableBytes() - Integer.BYTES) {
                throw new MalformedFrameException("headerLength=" + headerLength + " does not fit frameLength="
                    + size);
            }
            final ByteBuf header = frame.readSlice(headerLength);
            final int bodyLength = frame.readInt();
            if (bodyLength < 0 || bodyLength > frame.readableBytes()) {
                throw new MalformedFrameException("bodyLength=" + bodyLength + " does not fit frameLength=" + size
                    + " headerLength=" + headerLength);
            }
            final ByteBuf body = frame.readSlice(bodyLength);
            final ByteBuf records = frame.readSlice(frame.readableBytes());
            return new Frame(frame, header, body, records);
        } catch (final RuntimeException e) {
            frame.release();
            throw e;
        }
    }

    /** @return the header bytes (a view) */
    public ByteBuf header() {
        return header;
    }

    /** @return the body bytes (a view) */
    public ByteBuf body() {
        return body;
    }

    /** @return the raw record batches after the body (a view, possibly empty) */
    public ByteBuf records() {
        return records;
    }

    /**
     * Parses a protobuf part without copying it.
     *
     * @param part {@link #header()} or {@link #body()}
     * @param parser e.g. {@code RequestHeader.parser()}
     * @param <T> the message type
     * @return the message
     * @throws MalformedFrameException when the bytes are not a valid message
     */
    public static <T> T parse(final ByteBuf part, final com.google.protobuf.Parser<T> parser) {
        if (part.nioBufferCount() == 1) {
            // Straight from the buffer: parsing from a stream allocates a 4 KiB copy buffer per message, which
            // was most of the heap a node allocated per fetched MB.
            try {
                return parser.parseFrom(part.nioBuffer());
            } catch (final InvalidProtocolBufferException e) {
                throw new MalformedFrameException("unparsable protobuf: " + e.getMessage());
            }
        }
        try (InputStream in = new ByteBufInputStream(part.duplicate())) {
            return parser.parseFrom(in);
        } catch (final IOException e) {
            throw new MalformedFrameException("unparsable protobuf: " + e.getMessage());
        }
    }

    @Override
    protected void deallocate() {
        frame.release();
    }

    @Override
    public ReferenceCounted touch(final Object hint) {
        frame.touch(hint);
        return this;
    }
}
