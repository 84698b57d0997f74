package dev.ferry.node.network;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ferry.node.network.NetworkTestSupport.TIMEOUT_MS;
import static dev.ferry.node.network.NetworkTestSupport.assertServes;
import static dev.ferry.node.network.NetworkTestSupport.connect;
import static dev.ferry.node.network.NetworkTestSupport.localConfig;
import static dev.ferry.node.network.NetworkTestSupport.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FerryServerLimitsTest {
    private FerryServer server;

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        assertThat(LeakWatch.instance().collect()).as("buffer leaks reported by Netty").isEmpty();
    }

    @Test
    void shouldCloseAConnectionAnnouncingAnOversizedFrameAndServeOthers() throws Exception {
        server = start(localConfig().withMaxFrameBytes(1024), Map.of());
        try (RawClient raw = new RawClient(server.boundPort())) {
            final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            new DataOutputStream(bytes).writeInt(1025);
            raw.send(bytes.toByteArray());
            assertThat(raw.awaitClosedByServer()).isTrue();
        }
        try (RawClient raw = new RawClient(server.boundPort())) {
            raw.send(RawClient.frame(RawClient.header(ApiKey.API_VERSIONS, 1).toByteArray(), new byte[0],
                new byte[1024 - 8 - RawClient.header(ApiKey.API_VERSIONS, 1).getSerializedSize()]));
            assertThat(raw.read().header().getError()).as("a frame of exactly the limit").isEqualTo(ErrorCode.NONE);
        }
        assertServes(server);
    }

    @Test
    void shouldRefuseConnectionsOverTheLimitAndAcceptAgainBelowIt() throws Exception {
        server = start(localConfig().withMaxConnections(2), Map.of());
        final FerryConnection first = connect(server);
        try (FerryConnection second = connect(server)) {
            for (final FerryConnection c : new FerryConnection[] {first, second}) {
                c.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(), null, TIMEOUT_MS)
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).close();
            }
            try (RawClient third = new RawClient(server.boundPort())) {
                assertThat(third.awaitClosedByServer()).isTrue();
            }
            first.close();
            await().atMost(Duration.ofSeconds(20)).until(() -> server.connectionCount() == 1);
            try (FerryConnection again = connect(server)) {
                again.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(), null, TIMEOUT_MS)
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS).close();
            }
        }
    }

    @Test
    void shouldCloseIdleConnectionsButNotOnesWaitingForAnAnswer() throws Exception {
        final CompletableFuture<Response> longPoll = new CompletableFuture<>();
        server = start(localConfig().withIdleTimeoutMs(200), Map.of(ApiKey.FETCH, request -> longPoll));
        try (RawClient idle = new RawClient(server.boundPort()); FerryConnection waiting = connect(server)) {
            final CompletableFuture<ClientResponse> fetch = waiting.send(ApiKey.FETCH,
                NodeEndpoint.getDefaultInstance(), null, TIMEOUT_MS);
            assertThat(idle.awaitClosedByServer()).isTrue();
            // The idle timer fired for the waiting connection too (no traffic), but it owes a response.
            await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(waiting::isOpen);
            longPoll.complete(Response.of(NodeEndpoint.getDefaultInstance()));
            try (ClientResponse response = fetch.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                assertThat(response.error()).isEqualTo(ErrorCode.NONE);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> !waiting.isOpen());
        }
    }

    @Test
    void shouldStopHandlingRequestsOfAClientThatDoesNotReadItsResponses() throws Exception {
        final NodeEndpoint big = NodeEndpoint.newBuilder().setHost("x".repeat(1 << 20)).build();
        final AtomicInteger handled = new AtomicInteger();
        server = start(localConfig(), Map.of(ApiKey.METADATA, request -> {
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(Response.of(big));
        }));
        final int requests = 200;
        try (RawClient raw = new RawClient(server.boundPort())) {
            final ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int i = 0; i < requests; i++) {
                all.write(RawClient.frame(RawClient.header(ApiKey.METADATA, i), NodeEndpoint.getDefaultInstance()));
            }
            raw.send(all.toByteArray());
            // 200 MiB of answers cannot fit the socket buffers: the server must stop handling, not queue them.
            final AtomicInteger lastSample = new AtomicInteger(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                .until(() -> handled.get() > 0 && handled.get() == lastSample.getAndSet(handled.get()));
            assertThat(handled.get()).as("requests handled while the client reads nothing").isLessThan(requests / 2);
            for (int i = 0; i < requests; i++) {
                final RawClient.Answer answer = raw.read();
                assertThat(answer.header().getCorrelationId()).isEqualTo(i);
                assertThat(answer.body()).hasSize(big.getSerializedSize());
            }
        }
        assertThat(handled.get()).isEqualTo(requests);
    }

    @Test
    void shouldRejectInvalidConfigNamingTheField() {
        assertThatThrownBy(() -> localConfig().withMaxInFlightPerConnection(0))
            .hasMessageContaining("maxInFlightPerConnection=0");
        assertThatThrownBy(() -> new NetworkConfig("127.0.0.1", 70_000, 1024, 1, 1, 1, 1))
            .hasMessageContaining("port=70000");
        assertThatThrownBy(() -> localConfig().withMaxFrameBytes(4)).hasMessageContaining("maxFrameBytes=4");
        assertThatThrownBy(() -> localConfig().withIdleTimeoutMs(0)).hasMessageContaining("idleTimeoutMs=0");
        assertThatThrownBy(() -> localConfig().withMaxConnections(0)).hasMessageContaining("maxConnections=0");
        assertThatThrownBy(() -> localConfig().withIoThreads(0)).hasMessageContaining("ioThreads=0");
        assertThatThrownBy(() -> new NetworkConfig(" ", 0, 1024, 1, 1, 1, 1)).hasMessageContaining("host=");
    }
}
