package dev.ferry.node.network;

import dev.ferry.client.network.ClientNetwork;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionClosedException;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.network.NetworkException;
import dev.ferry.client.network.RequestTimeoutException;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ferry.node.network.NetworkTestSupport.TIMEOUT_MS;
import static dev.ferry.node.network.NetworkTestSupport.localConfig;
import static dev.ferry.node.network.NetworkTestSupport.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's connection against a real server. */
class FerryConnectionTest {
    private final ClientNetwork network = new ClientNetwork(2, "test");
    private final List<CompletableFuture<Response>> parked = new java.util.concurrent.CopyOnWriteArrayList<>();
    private FerryServer server;

    @AfterEach
    void tearDown() {
        network.close();
        if (server != null) {
            server.close();
        }
        // Handlers that never answered: answering after the server closed drops the response, releases the frame.
        parked.forEach(f -> f.complete(Response.of(NodeEndpoint.getDefaultInstance())));
        assertThat(LeakWatch.instance().collect()).as("buffer leaks reported by Netty").isEmpty();
    }

    /** A handler that does not answer until the test ends. */
    private CompletableFuture<Response> park(final Request request) {
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        parked.add(answer);
        return answer;
    }

    private FerryConnection connect() throws Exception {
        return network.connect("127.0.0.1", server.boundPort(), ConnectionConfig.defaults("test"))
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private static Throwable failure(final CompletableFuture<?> future) {
        try {
            future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            return e.getCause();
        } catch (final Exception e) {
            throw new AssertionError("expected a failed future", e);
        }
        throw new AssertionError("expected a failed future, got a value");
    }

    @Test
    void shouldShareOneNetworkBetweenConnectionsAndSendRecordsAfterTheBody() throws Exception {
        server = start(localConfig(), Map.of(ApiKey.PRODUCE, request -> CompletableFuture.completedFuture(
            Response.of(NodeEndpoint.newBuilder().setHost(request.records().toString(
                java.nio.charset.StandardCharsets.UTF_8)).build()))));
        final List<FerryConnection> connections = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            connections.add(connect());
        }
        for (int i = 0; i < connections.size(); i++) {
            final ByteBuf records = Unpooled.copiedBuffer("batch-" + i, java.nio.charset.StandardCharsets.UTF_8);
            try (ClientResponse response = connections.get(i).send(ApiKey.PRODUCE, NodeEndpoint.getDefaultInstance(),
                records, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                assertThat(response.body(NodeEndpoint.parser()).getHost()).isEqualTo("batch-" + i);
            }
            assertThat(records.refCnt()).as("records released by send").isZero();
        }
        connections.forEach(FerryConnection::close);
    }

    @Test
    void shouldFailATimedOutRequestWithATypedRetriableExceptionAndCloseTheConnection() throws Exception {
        server = start(localConfig(), Map.of(ApiKey.FETCH, this::park));
        try (FerryConnection connection = connect()) {
            final CompletableFuture<ClientResponse> stuck = connection.send(ApiKey.FETCH,
                NodeEndpoint.getDefaultInstance(), null, 200);
            final CompletableFuture<ClientResponse> behind = connection.send(ApiKey.API_VERSIONS,
                ApiVersionsRequest.getDefaultInstance(), null, TIMEOUT_MS);
            final Throwable timeout = failure(stuck);
            assertThat(timeout).isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("apiKey=FETCH").hasMessageContaining("timeoutMs=200")
                .hasMessageContaining("peer=127.0.0.1:" + server.boundPort());
            assertThat(((NetworkException) timeout).isRetriable()).isTrue();
            assertThat(failure(behind)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("request timed out");
        }
    }

    @Test
    void shouldFailEveryPendingRequestNamingThePeerWhenTheServerGoesAway() throws Exception {
        server = start(localConfig(), Map.of(ApiKey.FETCH, this::park));
        final FerryConnection connection = connect();
        final List<CompletableFuture<ClientResponse>> pending = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pending.add(connection.send(ApiKey.FETCH, NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS));
        }
        connection.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(), null, TIMEOUT_MS);
        final int port = server.boundPort();
        server.close();
        for (final CompletableFuture<ClientResponse> f : pending) {
            final Throwable e = failure(f);
            assertThat(e).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("127.0.0.1:" + port);
            assertThat(((ConnectionClosedException) e).isRetriable()).isTrue();
        }
        final ByteBuf records = Unpooled.buffer(4).writeInt(1);
        assertThat(failure(connection.send(ApiKey.PRODUCE, NodeEndpoint.getDefaultInstance(), records, TIMEOUT_MS)))
            .isInstanceOf(ConnectionClosedException.class);
        assertThat(records.refCnt()).isZero();
        connection.close();
    }

    @Test
    void shouldFailPendingRequestsWhenTheClientCloses() throws Exception {
        server = start(localConfig(), Map.of(ApiKey.FETCH, this::park));
        final FerryConnection connection = connect();
        final CompletableFuture<ClientResponse> pending = connection.send(ApiKey.FETCH,
            NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS);
        connection.close();
        assertThat(failure(pending)).isInstanceOf(ConnectionClosedException.class)
            .hasMessageContaining("closed by the client");
    }

    @Test
    void shouldFailToConnectWithARetriableExceptionNamingTheAddress() throws Exception {
        server = start(localConfig(), Map.of());
        final int port = server.boundPort();
        server.close();
        assertThatThrownBy(() -> FerryConnection.connect("127.0.0.1", port, ConnectionConfig.defaults("x"))
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS))
            .hasCauseInstanceOf(NetworkException.class)
            .hasMessageContaining("cannot connect to 127.0.0.1:" + port);
    }
}
