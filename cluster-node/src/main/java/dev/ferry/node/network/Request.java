package dev.ferry.node.network;

import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.RequestHeader;
import io.netty.buffer.ByteBuf;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A request as a handler sees it: the parsed header, views of the frame's body and records, the peer.
 *
 * @param header the request header
 * @param frame the frame (owned by the network layer; valid until the handler's future completes)
 * @param remote the client's address
 */
public record Request(RequestHeader header, Frame frame, SocketAddress remote) {

    /**
     * @param parser the body's parser, e.g. {@code ProduceRequest.parser()}
     * @param <T> the body type
     * @return the body
     * @throws MalformedFrameException when the body is not a valid message of that type
     */
    public <T> T body(final com.google.protobuf.Parser<T> parser) {
        return Frame.parse(frame.body(), parser);
    }

    /** @return the raw record batches after the body (a view; empty for most APIs) */
    public ByteBuf records() {
        return frame.records();
    }

    /** @return the records as a NIO view of the same bytes (no copy when the frame is one buffer) */
    public ByteBuffer recordsNioBuffer() {
        final ByteBuf records = frame.records();
        return records.nioBufferCount() == 1 ? records.nioBuffer() : copy(records);
    }

    private static ByteBuffer copy(final ByteBuf records) {
        // A frame that arrived in several socket reads can be a composite; then one copy makes it contiguous.
        final ByteBuffer out = ByteBuffer.allocate(records.readableBytes());
        records.getBytes(records.readerIndex(), out);
        return out.flip();
    }
}
