package dev.ferry.client.protocol;

import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the protobuf part of a frame: length prefix, header, body. The records, when there are any, are
 * written after it by the caller (a buffer for a Produce request, segment-file regions for a Fetch response),
 * and are counted in the length prefix.
 *
 * <p>Thread-safe (stateless).
 */
public final class FrameEncoder {
    private FrameEncoder() {
    }

    /**
     * @param alloc the channel's allocator
     * @param header the request or response header
     * @param body the body, or null for none
     * @param recordsBytes bytes of records that will follow this buffer
     * @return a buffer holding the frame up to the records
     * @throws IllegalArgumentException when the frame would not fit an int length
     */
    public static ByteBuf encode(final ByteBufAllocator alloc, final MessageLite header, final MessageLite body,
                                 final long recordsBytes) {
        final int headerBytes = header.getSerializedSize();
        final int bodyBytes = body == null ? 0 : body.getSerializedSize();
        final long frameLength = FrameLayout.frameLength(headerBytes, bodyBytes, recordsBytes);
        if (frameLength > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("frame too large: frameLength=" + frameLength);
        }
        final ByteBuf out = alloc.buffer(FrameLayout.FRAME_LENGTH_BYTES + (int) frameLength - (int) recordsBytes);
        try (ByteBufOutputStream stream = new ByteBufOutputStream(out)) {
            out.writeInt((int) frameLength);
            out.writeInt(headerBytes);
            header.writeTo(stream);
            out.writeInt(bodyBytes);
            if (body != null) {
                body.writeTo(stream);
            }
        } catch (final IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
