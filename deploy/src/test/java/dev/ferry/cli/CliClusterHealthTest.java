package dev.ferry.cli;

import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * cluster health as a node dies: unhealthy (exit 1), naming the node down and the partitions it leaves
 * under-replicated.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliClusterHealthTest {
    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static CliRunner cli;

    @BeforeAll
    static void start() throws Exception {
        cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings());
        // Node 1 stays up to the end, so bootstrap from it alone.
        cli = new CliRunner("127.0.0.1:" + cluster.port(0), 5_000);
        cli.awaitHealthy();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void healthTurnsUnhealthyWhenANodeDies() {
        assertThat(cli.run("topic", "create", "acked", "-p", "1", "-r", "3").exit()).isZero();

        cluster.kill(2);

        final CliRunner.Result unhealthy = await().atMost(Duration.ofSeconds(30))
            .until(() -> cli.run("cluster", "health"), r -> r.exit() == 1 && r.out().contains("[3]"));
        assertThat(unhealthy.out()).containsPattern("healthy\\s+false\\n").containsPattern("nodes down\\s+\\[3\\]\\n")
            .containsPattern("under-replicated partitions\\s+\\[.*acked/0.*\\]\\n");
        assertThat(unhealthy.err().lines()).singleElement().asString()
            .startsWith("ferry cluster health: unhealthy: 1 node(s) down");
    }
}
