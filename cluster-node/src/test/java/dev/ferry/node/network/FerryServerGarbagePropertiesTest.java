package dev.ferry.node.network;

import dev.ferry.client.network.ClientNetwork;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.ferry.node.network.NetworkTestSupport.TIMEOUT_MS;
import static dev.ferry.node.network.NetworkTestSupport.localConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes a running server over real sockets: random bytes, truncated frames, oversized and negative length
 * prefixes, frames with unparsable headers, unknown API keys and truncated bodies. After each, the server must
 * still be up and answer ApiVersions on a fresh connection, and no buffer may leak (paranoid leak detection).
 */
class FerryServerGarbagePropertiesTest {
    private static final int MAX_FRAME_BYTES = 16 << 10;
    private static FerryServer server;
    private static ClientNetwork network;
    private static LeakWatch leaks;

    /** What was sent and what the server must do about it. */
    enum Kind { RANDOM_BYTES, TRUNCATED_FRAME, BAD_LENGTH_PREFIX, UNPARSABLE_HEADER, UNKNOWN_API, TRUNCATED_BODY }

    /** One piece of garbage. */
    record Garbage(Kind kind, byte[] bytes, int correlationId) {
        @Override
        public String toString() {
            return kind + "(" + bytes.length + " bytes, correlationId=" + correlationId + ")";
        }
    }

    @BeforeContainer
    static void startServer() throws IOException {
        leaks = LeakWatch.instance();
        server = new FerryServer(localConfig().withMaxFrameBytes(MAX_FRAME_BYTES), Map.of(ApiKey.METADATA,
            request -> CompletableFuture.completedFuture(Response.of(request.body(NodeEndpoint.parser())))),
            RequestObserver.NONE, "fuzz").start();
        network = new ClientNetwork(1, "fuzz");
    }

    @AfterContainer
    static void stopServer() {
        network.close();
        server.close();
    }

    @AfterProperty
    void shouldLeakNoBuffer() {
        assertThat(leaks.collect()).as("buffer leaks reported by Netty").isEmpty();
    }

    @Property(tries = 300, seed = "20261122")
    void shouldStayUpAndServeAFreshConnectionAfterGarbage(@ForAll("garbage") final Garbage garbage)
        throws Exception {
        try (RawClient raw = new RawClient(server.boundPort())) {
            raw.send(garbage.bytes());
            switch (garbage.kind()) {
                case UNKNOWN_API -> {
                    final RawClient.Answer answer = raw.read();
                    assertThat(answer.header().getCorrelationId()).isEqualTo(garbage.correlationId());
                    assertThat(answer.header().getError()).isEqualTo(ErrorCode.UNSUPPORTED_API);
                    assertThat(answer.header().getErrorMessage()).startsWith("unsupported api: apiKey=");
                    assertThat(answer.body()).isEmpty();
                }
                case TRUNCATED_BODY -> {
                    final RawClient.Answer answer = raw.read();
                    assertThat(answer.header().getCorrelationId()).isEqualTo(garbage.correlationId());
                    assertThat(answer.header().getError()).isEqualTo(ErrorCode.MALFORMED_REQUEST);
                    assertThat(answer.header().getErrorMessage()).contains("unparsable protobuf");
                }
                case BAD_LENGTH_PREFIX, UNPARSABLE_HEADER -> assertThat(raw.awaitClosedByServer()).isTrue();
                default -> raw.shutdownOutput();
            }
        }
        try (FerryConnection connection = network.connect("127.0.0.1", server.boundPort(),
            ConnectionConfig.defaults("fuzz")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
             ClientResponse response = connection.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(),
                 null, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            assertThat(response.error()).isEqualTo(ErrorCode.NONE);
        }
    }

    @Provide
    Arbitrary<Garbage> garbage() {
        final Arbitrary<Integer> ids = Arbitraries.integers();
        final Arbitrary<byte[]> smallBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        final Arbitrary<byte[]> tails = Arbitraries.bytes().array(byte[].class).ofMaxSize(100);
        final Arbitrary<Garbage> random = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(4096)
            .map(b -> new Garbage(Kind.RANDOM_BYTES, b, 0));
        final Arbitrary<Garbage> truncated = Combinators.combine(ids, smallBytes, Arbitraries.doubles()
            .between(0, 1)).as((id, body, cut) -> {
                final byte[] whole = RawClient.frame(RawClient.header(ApiKey.METADATA, id).toByteArray(), body,
                    new byte[0]);
                return new Garbage(Kind.TRUNCATED_FRAME, Arrays.copyOf(whole, (int) (cut * (whole.length - 1))),
                    id);
            });
        final Arbitrary<Garbage> badPrefix = Arbitraries.oneOf(Arbitraries.integers().lessOrEqual(-1),
                Arbitraries.integers().greaterOrEqual(MAX_FRAME_BYTES + 1))
            .map(length -> new Garbage(Kind.BAD_LENGTH_PREFIX, intBytes(length), 0));
        // Field 4 (client_id) announced as 127 bytes with fewer present: never a valid header.
        final Arbitrary<Garbage> badHeader = Combinators.combine(tails, smallBytes)
            .as((tail, body) -> new Garbage(Kind.UNPARSABLE_HEADER, RawClient.frame(concat(new byte[] {0x22, 0x7F},
                tail), body, new byte[0]), 0));
        final Arbitrary<Garbage> unknownApi = Combinators.combine(ids, Arbitraries.integers()
            .between(ApiKey.REPLICA_STATE_VALUE + 1, Integer.MAX_VALUE), smallBytes).as((id, key, body) ->
            new Garbage(Kind.UNKNOWN_API, RawClient.frame(RequestHeader.newBuilder().setApiKeyValue(key)
                .setCorrelationId(id).build().toByteArray(), body, new byte[0]), id));
        // Field 2 (host) of the METADATA handler's NodeEndpoint announced as 127 bytes with fewer present.
        final Arbitrary<Garbage> truncatedBody = Combinators.combine(ids, tails).as((id, tail) ->
            new Garbage(Kind.TRUNCATED_BODY, RawClient.frame(RawClient.header(ApiKey.METADATA, id).toByteArray(),
                concat(new byte[] {0x12, 0x7F}, tail), new byte[0]), id));
        return Arbitraries.oneOf(random, truncated, badPrefix, badHeader, unknownApi, truncatedBody);
    }

    private static byte[] intBytes(final int value) {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(bytes)) {
            data.writeInt(value);
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
