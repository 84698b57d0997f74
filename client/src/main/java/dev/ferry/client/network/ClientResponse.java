package dev.ferry.client.network;

import com.google.protobuf.Parser;
import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ResponseHeader;
import io.netty.buffer.ByteBuf;

/**
 * One response: its parsed header, its body parsed on demand and its records as a view of the received frame, no
 * copy. The caller owns it and must close it; the records view dies with it (copy or retain what must outlive it).
 *
 * <p>Not thread-safe.
 */
public final class ClientResponse implements AutoCloseable {
    private final ResponseHeader header;
    private final Frame frame;
    private boolean closed;

    ClientResponse(final ResponseHeader header, final Frame frame) {
        this.header = header;
        this.frame = frame;
    }

    /** @return the response header */
    public ResponseHeader header() {
        return header;
    }

    /** @return the header-level error: NONE, or why the node did not handle the request */
    public ErrorCode error() {
        return header.getError();
    }

    /**
     * @param parser the body's parser, e.g. {@code FetchResponse.parser()}
     * @param <T> the body type
     * @return the body (the default message when the node sent none)
     * @throws MalformedFrameException when the bytes are not a valid message of that type
     * @throws IllegalStateException after {@link #close()}
     */
    public <T> T body(final Parser<T> parser) {
        ensureOpen();
        return Frame.parse(frame.body(), parser);
    }

    /**
     * @return the raw record batches after the body: a view valid until {@link #close()}; empty for most APIs
     * @throws IllegalStateException after {@link #close()}
     */
    public ByteBuf records() {
        ensureOpen();
        return frame.records();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("response already closed: correlationId=" + header.getCorrelationId());
        }
    }

    /** Releases the frame. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            frame.release();
        }
    }

    @Override
    public String toString() {
        return "ClientResponse(correlationId=" + header.getCorrelationId() + ", error=" + header.getError() + ")";
    }
}
