package dev.ferry.node.network;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * A blocking socket that speaks the frame format byte by byte, for tests that send what a real client never
 * would. Not thread-safe.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;

    RawClient(final int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        socket.setSoTimeout(20_000);
        in = new DataInputStream(socket.getInputStream());
        out = new DataOutputStream(socket.getOutputStream());
    }

    static RequestHeader header(final ApiKey key, final int correlationId) {
        return RequestHeader.newBuilder().setApiKey(key).setCorrelationId(correlationId).setClientId("raw").build();
    }

    /** @return a whole frame, length prefix included */
    static byte[] frame(final byte[] header, final byte[] body, final byte[] records) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(bytes)) {
            data.writeInt(8 + header.length + body.length + records.length);
            data.writeInt(header.length);
            data.write(header);
            data.writeInt(body.length);
            data.write(body);
            data.write(records);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] frame(final MessageLite header, final MessageLite body) {
        return frame(header.toByteArray(), body == null ? new byte[0] : body.toByteArray(), new byte[0]);
    }

    void send(final byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads one response frame; returns its header and body bytes. */
    Answer read() throws IOException {
        final int frameLength = in.readInt();
        final byte[] frame = new byte[frameLength];
        in.readFully(frame);
        final DataInputStream f = new DataInputStream(new java.io.ByteArrayInputStream(frame));
        final byte[] header = new byte[f.readInt()];
        f.readFully(header);
        final byte[] body = new byte[f.readInt()];
        f.readFully(body);
        try {
            return new Answer(ResponseHeader.parseFrom(header), body,
                Arrays.copyOfRange(frame, 8 + header.length + body.length, frame.length));
        } catch (final InvalidProtocolBufferException e) {
            throw new IOException(e);
        }
    }

    /**
     * Reads and discards until the server closes the connection.
     *
     * @return true when the server closed it (EOF or reset), false when it stayed open for 20 s
     */
    boolean awaitClosedByServer() throws IOException {
        final byte[] sink = new byte[8192];
        try {
            while (in.read(sink) >= 0) {
                continue;
            }
            return true;
        } catch (final EOFException | SocketException e) {
            return true;
        } catch (final SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A response as read from the socket. */
    record Answer(ResponseHeader header, byte[] body, byte[] records) {
    }
}
