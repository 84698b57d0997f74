package dev.ferry.node.network;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.ApiVersionsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ferry.node.network.NetworkTestSupport.TIMEOUT_MS;
import static dev.ferry.node.network.NetworkTestSupport.connect;
import static dev.ferry.node.network.NetworkTestSupport.localConfig;
import static dev.ferry.node.network.NetworkTestSupport.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class FerryServerTest {
    private FerryServer server;
    private FerryConnection connection;

    @AfterEach
    void tearDown() {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
        assertThat(LeakWatch.instance().collect()).as("buffer leaks reported by Netty").isEmpty();
    }

    /** A request held by the test until it decides to answer. */
    private record Held(Request request, NodeEndpoint body, CompletableFuture<Response> answer) {
        void complete() {
            answer.complete(Response.of(body));
        }
    }

    private static ApiHandler holding(final BlockingQueue<Held> held) {
        return request -> {
            final CompletableFuture<Response> answer = new CompletableFuture<>();
            held.add(new Held(request, request.body(NodeEndpoint.parser()), answer));
            return answer;
        };
    }

    private static NodeEndpoint endpoint(final int i) {
        return NodeEndpoint.newBuilder().setNodeId(i).setHost("request-" + i).build();
    }

    @Test
    void shouldAnswerPipelinedRequestsInRequestOrderWhenHandlersFinishOutOfOrder() throws Exception {
        final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        server = start(localConfig(), Map.of(ApiKey.METADATA, holding(held)));
        connection = connect(server);
        final int n = 10;
        final List<Integer> arrival = Collections.synchronizedList(new ArrayList<>());
        final List<CompletableFuture<ClientResponse>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final int id = i;
            final CompletableFuture<ClientResponse> f = connection.send(ApiKey.METADATA, endpoint(i), null,
                TIMEOUT_MS);
            f.thenRun(() -> arrival.add(id));
            sent.add(f);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> held.size() == n);
        final List<Held> all = new ArrayList<>(held);
        // Finish the last first: each response must still wait for those before it.
        for (int i = n - 1; i >= 0; i--) {
            all.get(i).complete();
        }
        for (int i = 0; i < n; i++) {
            try (ClientResponse response = sent.get(i).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                assertThat(response.error()).isEqualTo(ErrorCode.NONE);
                assertThat(response.body(NodeEndpoint.parser())).isEqualTo(endpoint(i));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> arrival.size() == n);
        assertThat(arrival).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void shouldStopReadingAtTheInFlightLimitAndResumeBelowIt() throws Exception {
        final BlockingQueue<Held> held = new LinkedBlockingQueue<>();
        server = start(localConfig().withMaxInFlightPerConnection(4), Map.of(ApiKey.METADATA, holding(held)));
        connection = connect(server);
        final List<CompletableFuture<ClientResponse>> sent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            sent.add(connection.send(ApiKey.METADATA, endpoint(i), null, TIMEOUT_MS));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> held.size() == 4);
        // The other eight are on the wire or read, but no handler sees them while four are outstanding.
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> held.size() == 4);

        held.poll().complete();
        await().atMost(Duration.ofSeconds(20)).until(() -> held.size() == 4);
        assertThat(sent.get(0).get(TIMEOUT_MS, TimeUnit.MILLISECONDS).body(NodeEndpoint.parser()))
            .isEqualTo(endpoint(0));
        int answered = 1;
        while (answered < 12) {
            final Held next = held.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(next).as("request %d reached its handler", answered).isNotNull();
            assertThat(held.size()).isLessThan(4);
            next.complete();
            answered++;
        }
        for (int i = 0; i < 12; i++) {
            try (ClientResponse response = sent.get(i).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                assertThat(response.body(NodeEndpoint.parser())).isEqualTo(endpoint(i));
            }
        }
    }

    @Test
    void shouldKeepTheFrameValidUntilTheHandlersFutureCompletesThenReleaseIt() throws Exception {
        final AtomicReference<Frame> frame = new AtomicReference<>();
        final CompletableFuture<Response> answer = new CompletableFuture<>();
        final AtomicReference<String> recordsSeen = new AtomicReference<>();
        server = start(localConfig(), Map.of(ApiKey.PRODUCE, request -> {
            frame.set(request.frame());
            return answer;
        }));
        connection = connect(server);
        final byte[] records = "raw record batch bytes".getBytes(StandardCharsets.UTF_8);
        final CompletableFuture<ClientResponse> sent = connection.send(ApiKey.PRODUCE, endpoint(1),
            Unpooled.wrappedBuffer(records), TIMEOUT_MS);
        await().atMost(Duration.ofSeconds(20)).until(() -> frame.get() != null);
        assertThat(frame.get().refCnt()).isEqualTo(1);
        // Read the records later, from another thread, as a handler handing them to the log would.
        CompletableFuture.runAsync(() -> recordsSeen.set(frame.get().records().toString(StandardCharsets.UTF_8)))
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        answer.complete(Response.of(endpoint(2)));
        sent.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).close();
        assertThat(recordsSeen.get()).isEqualTo("raw record batch bytes");
        assertThat(frame.get().refCnt()).isZero();
    }

    @Test
    void shouldAnswerHandlerFailuresWithErrorCodesAndKeepTheConnection() throws Exception {
        server = start(localConfig(), Map.of(
            ApiKey.METADATA, request -> {
                throw new IllegalStateException("boom in handler");
            },
            ApiKey.FETCH, request -> CompletableFuture.failedFuture(new IllegalStateException("failed later")),
            ApiKey.PRODUCE, request -> CompletableFuture.supplyAsync(() ->
                Response.of(request.body(NodeEndpoint.parser()))),
            ApiKey.LIST_OFFSETS, request -> CompletableFuture.completedFuture(null)));
        connection = connect(server);

        assertError(ApiKey.METADATA, endpoint(1), ErrorCode.UNKNOWN_SERVER_ERROR, "boom in handler");
        assertError(ApiKey.FETCH, endpoint(1), ErrorCode.UNKNOWN_SERVER_ERROR, "failed later");
        try (RawClient raw = new RawClient(server.boundPort())) {
            // A truncated body: field 2 (host) announced as a 127-byte string with 2 bytes present.
            raw.send(RawClient.frame(RawClient.header(ApiKey.PRODUCE, 77).toByteArray(),
                new byte[] {0x12, 0x7F, 'a', 'b'}, new byte[0]));
            final RawClient.Answer answer = raw.read();
            assertThat(answer.header().getCorrelationId()).isEqualTo(77);
            assertThat(answer.header().getError()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
            assertThat(answer.header().getErrorMessage()).contains("unparsable protobuf");
        }
        assertError(ApiKey.LIST_OFFSETS, endpoint(1), ErrorCode.UNKNOWN_SERVER_ERROR, "no response");
        assertError(ApiKey.CREATE_TOPICS, endpoint(1), ErrorCode.UNSUPPORTED_API, "unsupported api: apiKey=6");

        try (ClientResponse response = connection.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(),
            null, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            assertThat(response.body(ApiVersionsResponse.parser()).getVersionsList())
                .extracting(ApiVersionsResponse.ApiVersion::getApiKey)
                .containsExactly(ApiKey.API_VERSIONS, ApiKey.METADATA, ApiKey.PRODUCE, ApiKey.FETCH,
                    ApiKey.LIST_OFFSETS);
        }
    }

    private void assertError(final ApiKey key, final com.google.protobuf.MessageLite body, final ErrorCode code,
                             final String message) throws Exception {
        try (ClientResponse response = connection.send(key, body, null, TIMEOUT_MS)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            assertThat(response.error()).as("error of %s", key).isEqualTo(code);
            assertThat(response.header().getErrorMessage()).contains(message);
        }
    }

    @Test
    void shouldTellTheObserverOfEveryResponse() throws Exception {
        final AtomicInteger observed = new AtomicInteger();
        final AtomicReference<ErrorCode> lastError = new AtomicReference<>();
        server = new FerryServer(localConfig(), Map.of(), (apiKey, error, latencyNanos, requestBytes,
                                                           responseBytes) -> {
            observed.incrementAndGet();
            lastError.set(error);
            assertThat(latencyNanos).isNotNegative();
            assertThat(responseBytes).isGreaterThan(8);
        }, "test").start();
        connection = connect(server);
        NetworkTestSupport.assertServes(server);
        connection.send(ApiKey.FETCH, endpoint(1), null, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS).close();
        await().atMost(Duration.ofSeconds(20)).until(() -> observed.get() == 2);
        assertThat(lastError.get()).isEqualTo(ErrorCode.UNSUPPORTED_API);
    }
}
