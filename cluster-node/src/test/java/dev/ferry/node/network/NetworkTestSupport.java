package dev.ferry.node.network;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.ApiVersionsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Servers on 127.0.0.1 and the checks the network tests share. Thread-safe (stateless). */
final class NetworkTestSupport {
    static final long TIMEOUT_MS = 20_000;

    private NetworkTestSupport() {
    }

    static NetworkConfig localConfig() {
        return NetworkConfig.defaults("127.0.0.1", 0).withIoThreads(2);
    }

    static FerryServer start(final NetworkConfig config, final Map<ApiKey, ApiHandler> handlers) throws IOException {
        return new FerryServer(config, handlers, RequestObserver.NONE, "test").start();
    }

    static FerryConnection connect(final FerryServer server) throws Exception {
        return FerryConnection.connect("127.0.0.1", server.boundPort(), ConnectionConfig.defaults("test-client"))
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** Asserts that a fresh connection gets an ApiVersions answer listing ApiVersions. */
    static void assertServes(final FerryServer server) throws Exception {
        try (FerryConnection connection = connect(server);
             ClientResponse response = connection.send(ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(),
                 null, TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            assertThat(response.error()).isEqualTo(ErrorCode.NONE);
            assertThat(response.body(ApiVersionsResponse.parser()).getVersionsList())
                .extracting(ApiVersionsResponse.ApiVersion::getApiKey).contains(ApiKey.API_VERSIONS);
        }
    }
}
