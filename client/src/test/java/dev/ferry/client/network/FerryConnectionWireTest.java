package dev.ferry.client.network;

import com.google.protobuf.MessageLite;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The connection against a hand-written peer on a real socket: what goes on the wire and what comes back. */
class FerryConnectionWireTest {
    private static final long TIMEOUT_MS = 20_000;

    private final ClientNetwork network = new ClientNetwork(1, "wire");
    private ServerSocket listener;
    private FerryConnection connection;
    private Socket peer;
    private DataInputStream in;
    private DataOutputStream out;

    @BeforeEach
    void setUp() throws Exception {
        listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final CompletableFuture<FerryConnection> connecting = network.connect("127.0.0.1", listener.getLocalPort(),
            new ConnectionConfig("wire-client", 10_000, 1024));
        peer = listener.accept();
        peer.setSoTimeout((int) TIMEOUT_MS);
        in = new DataInputStream(peer.getInputStream());
        out = new DataOutputStream(peer.getOutputStream());
        connection = connecting.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @AfterEach
    void tearDown() throws IOException {
        connection.close();
        network.close();
        peer.close();
        listener.close();
    }

    /** A request as the peer read it. */
    private record Received(RequestHeader header, byte[] body, byte[] records) {
    }

    private Received receive() throws IOException {
        final int frameLength = in.readInt();
        final byte[] header = new byte[in.readInt()];
        in.readFully(header);
        final byte[] body = new byte[in.readInt()];
        in.readFully(body);
        final byte[] records = new byte[frameLength - 8 - header.length - body.length];
        in.readFully(records);
        return new Received(RequestHeader.parseFrom(header), body, records);
    }

    private void answer(final int correlationId, final MessageLite body, final byte[] records) throws IOException {
        final byte[] header = ResponseHeader.newBuilder().setCorrelationId(correlationId).build().toByteArray();
        answerRaw(header, body.toByteArray(), records);
    }

    private void answerRaw(final byte[] header, final byte[] body, final byte[] records) throws IOException {
        out.writeInt(8 + header.length + body.length + records.length);
        out.writeInt(header.length);
        out.write(header);
        out.writeInt(body.length);
        out.write(body);
        out.write(records);
        out.flush();
    }

    private static Throwable failure(final CompletableFuture<?> future) throws Exception {
        try {
            future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failed future");
    }

    @Test
    void shouldFrameRequestsWithIncreasingCorrelationIdsAndMatchResponsesById() throws Exception {
        final NodeEndpoint body = NodeEndpoint.newBuilder().setNodeId(7).build();
        final CompletableFuture<ClientResponse> first = connection.send(ApiKey.PRODUCE, body,
            Unpooled.copiedBuffer("records", StandardCharsets.UTF_8), TIMEOUT_MS);
        final CompletableFuture<ClientResponse> second = connection.send(ApiKey.METADATA, body, null, TIMEOUT_MS);
        final Received r1 = receive();
        final Received r2 = receive();
        assertThat(r1.header().getApiKey()).isEqualTo(ApiKey.PRODUCE);
        assertThat(r1.header().getClientId()).isEqualTo("wire-client");
        assertThat(new String(r1.records(), StandardCharsets.UTF_8)).isEqualTo("records");
        assertThat(NodeEndpoint.parseFrom(r1.body())).isEqualTo(body);
        assertThat(r2.header().getCorrelationId()).isEqualTo(r1.header().getCorrelationId() + 1);

        answer(12_345, body, new byte[0]);
        answer(r2.header().getCorrelationId(), NodeEndpoint.newBuilder().setNodeId(2).build(), new byte[0]);
        answer(r1.header().getCorrelationId(), NodeEndpoint.newBuilder().setNodeId(1).build(), new byte[] {9, 8});
        try (ClientResponse response = first.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            assertThat(response.error()).isEqualTo(ErrorCode.NONE);
            assertThat(response.body(NodeEndpoint.parser()).getNodeId()).isEqualTo(1);
            final ByteBuf records = response.records();
            assertThat(records.readableBytes()).isEqualTo(2);
            assertThat(records.getByte(records.readerIndex())).isEqualTo((byte) 9);
        }
        final ClientResponse response = second.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertThat(response.body(NodeEndpoint.parser()).getNodeId()).isEqualTo(2);
        response.close();
        response.close();
        assertThatThrownBy(() -> response.body(NodeEndpoint.parser())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectANonPositiveTimeoutAndReleaseTheRecords() {
        final ByteBuf records = Unpooled.buffer(4).writeInt(1);
        assertThatThrownBy(() -> connection.send(ApiKey.PRODUCE, NodeEndpoint.getDefaultInstance(), records, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutMs=0");
        assertThat(records.refCnt()).isZero();
    }

    @Test
    void shouldTimeOutARequestWithARetriableTypedException() throws Exception {
        final CompletableFuture<ClientResponse> pending = connection.send(ApiKey.FETCH,
            NodeEndpoint.getDefaultInstance(), null, 100);
        final Throwable e = failure(pending);
        assertThat(e).isInstanceOf(RequestTimeoutException.class).hasMessageContaining("timeoutMs=100")
            .hasMessageContaining("peer=127.0.0.1:" + listener.getLocalPort());
        assertThat(((NetworkException) e).isRetriable()).isTrue();
        assertThat(in.read()).as("the request was sent").isNotNegative();
    }

    @Test
    void shouldCloseOnAnUnparsableResponseHeaderFailingPendingRequests() throws Exception {
        final CompletableFuture<ClientResponse> pending = connection.send(ApiKey.FETCH,
            NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS);
        receive();
        answerRaw(new byte[] {0x1A, 0x7F}, new byte[0], new byte[0]);
        final Throwable e = failure(pending);
        assertThat(e).isInstanceOf(ConnectionClosedException.class)
            .hasMessageContaining("127.0.0.1:" + listener.getLocalPort())
            .hasMessageContaining("unparsable response header");
        assertThat(((ConnectionClosedException) e).peer()).isEqualTo("127.0.0.1:" + listener.getLocalPort());
        assertThat(in.read()).as("closed by the client").isEqualTo(-1);
    }

    @Test
    void shouldCloseOnAnOversizedResponse() throws Exception {
        final CompletableFuture<ClientResponse> pending = connection.send(ApiKey.FETCH,
            NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS);
        receive();
        out.writeInt(1025);
        out.flush();
        assertThat(failure(pending)).isInstanceOf(ConnectionClosedException.class)
            .hasMessageContaining("TooLongFrameException");
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void shouldFailPendingRequestsWhenThePeerCloses() throws Exception {
        final CompletableFuture<ClientResponse> pending = connection.send(ApiKey.FETCH,
            NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS);
        receive();
        peer.close();
        assertThat(failure(pending)).isInstanceOf(ConnectionClosedException.class)
            .hasMessageContaining("connection to 127.0.0.1:" + listener.getLocalPort() + " closed");
    }
}
