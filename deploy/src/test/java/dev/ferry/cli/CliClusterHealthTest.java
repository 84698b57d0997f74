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
 * cluster health and produce as nodes die: health turns unhealthy (exit 1) naming the node down, and produce
 * fails with exit 1 when no majority is left to acknowledge.
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
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void healthTurnsUnhealthyWhenANodeDiesAndProduceFailsWithoutAMajority() {
        assertThat(cli.run("topic", "create", "acked", "-p", "1", "-r", "3").exit()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("cluster", "health").exit() == 0);
        assertThat(cli.runWithInput("before\n", "produce", "acked").exit()).isZero();

        cluster.kill(2);

        final CliRunner.Result unhealthy = await().atMost(Duration.ofSeconds(30))
            .until(() -> cli.run("cluster", "health"), r -> r.exit() == 1);
        assertThat(unhealthy.out()).containsPattern("healthy\\s+false\\n").containsPattern("nodes down\\s+\\[3\\]\\n")
            .containsPattern("under-replicated partitions\\s+\\[.*acked/0.*\\]\\n");
        assertThat(unhealthy.err().lines()).singleElement().asString()
            .startsWith("ferry cluster health: unhealthy: 1 node(s) down");

        cluster.kill(1);

        final CliRunner.Result failed = cli.runWithInput("lost\n", "produce", "acked", "--timeout-ms", "3000");
        assertThat(failed.exit()).as(failed.toString()).isEqualTo(1);
        assertThat(failed.err()).startsWith("produced 0 of 1 records to acked (0 partitions; last offset per "
            + "partition: none)\nferry produce: 1 of 1 records failed, the first: ");
        assertThat(failed.err().lines()).hasSize(2);
    }
}
