package dev.ferry.node.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Start-up failures are clear errors, never a JVM exit (Ratis calls System.exit when it cannot bind). */
@Timeout(60)
class FerryNodeStartTest {
    @TempDir
    Path dir;

    @Test
    void shouldRefuseToStartWhenTheRaftPortIsTakenInsteadOfEndingTheJvm() throws IOException {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            final NodeConfig config = NodeConfig.from(Map.of(NodeConfig.NODE_ID, "1",
                NodeConfig.DATA_DIR, dir.toString(), NodeConfig.LISTENER_HOST, "127.0.0.1",
                NodeConfig.LISTENER_PORT, "0", NodeConfig.METRICS_PORT, "0",
                NodeConfig.RAFT_PORT, Integer.toString(taken.getLocalPort()),
                NodeConfig.CONTROLLER_PORT, Integer.toString(taken.getLocalPort() == 65535 ? 65534
                    : taken.getLocalPort() + 1),
                NodeConfig.CONTROLLER_VOTERS, "1@127.0.0.1:" + (taken.getLocalPort() == 65535 ? 65534
                    : taken.getLocalPort() + 1)));
            assertThatThrownBy(() -> FerryNode.start(config)).isInstanceOf(IOException.class)
                .hasMessageContaining("raft.port=" + taken.getLocalPort());
        }
    }
}
