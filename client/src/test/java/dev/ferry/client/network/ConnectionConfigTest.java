package dev.ferry.client.network;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionConfigTest {

    @Test
    void shouldRejectInvalidValuesNamingTheField() {
        assertThatThrownBy(() -> new ConnectionConfig(null, 1, 1024)).hasMessageContaining("clientId");
        assertThatThrownBy(() -> new ConnectionConfig("c", 0, 1024)).hasMessageContaining("connectTimeoutMs=0");
        assertThatThrownBy(() -> new ConnectionConfig("c", 1, 3)).hasMessageContaining("maxFrameBytes=3");
        assertThatThrownBy(() -> new ClientNetwork(0, "x")).hasMessageContaining("ioThreads=0");
        assertThat(ConnectionConfig.defaults("c").connectTimeoutMs()).isEqualTo(3_000);
    }

    @Test
    void shouldFailToConnectWithARetriableExceptionNamingTheAddress() throws Exception {
        final int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        try (ClientNetwork network = new ClientNetwork(1, "refused")) {
            assertThatThrownBy(() -> network.connect("127.0.0.1", port, ConnectionConfig.defaults("c"))
                .get(20, java.util.concurrent.TimeUnit.SECONDS))
                .cause().isInstanceOf(NetworkException.class)
                .hasMessageContaining("cannot connect to 127.0.0.1:" + port)
                .matches(e -> ((NetworkException) e).isRetriable());
        }
    }
}
