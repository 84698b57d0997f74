package dev.ferry.node.metrics;

import dev.ferry.log.LogConfig;
import dev.ferry.log.TestBatches;
import dev.ferry.replication.Acks;
import dev.ferry.replication.Durability;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.RaftTuning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Per-partition Raft gauges and replica readiness against a real one-node Ratis server on 127.0.0.1. */
class RaftMetricsTest {
    private static final PartitionId ORDERS = new PartitionId("orders", 0);
    private static final RaftTuning FAST = new RaftTuning(300, 600, 1 << 20, 1_000_000, 1 << 20);

    @TempDir
    Path tmp;

    private RaftServerHost host;
    private NodeMetrics metrics;
    private String address;

    @BeforeEach
    void start() throws IOException {
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        address = "127.0.0.1:" + port;
        host = new RaftServerHost("1", "127.0.0.1", port, tmp.resolve("raft-1"), Durability.REPLICATED,
            LogConfig.DEFAULTS, FAST, null);
        metrics = new NodeMetrics(1, tmp.resolve("raft-1"));
        metrics.addRaftHost(host);
        metrics.addLogDir(tmp.resolve("raft-1").resolve("logs"));
    }

    @AfterEach
    void stop() throws IOException {
        metrics.close();
        host.close();
    }

    @Test
    void shouldExportLeaderTermOffsetsAndLagPerPartition() throws Exception {
        host.addReplica(ORDERS, List.of(RaftServerHost.peer("1", address)));
        await().atMost(Duration.ofSeconds(30)).until(() -> host.status(ORDERS).leader()
            && host.stateMachine(ORDERS).isLeaderReady());
        host.append(ORDERS, TestBatches.batch(10, 100, 1000L), Acks.ALL).get(20, TimeUnit.SECONDS);

        final AtomicInteger underReplicated = new AtomicInteger(2);
        metrics.underReplicatedPartitions(underReplicated::get);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            final String body = metrics.scrape();
            final String[] tags = {"topic=\"orders\"", "partition=\"0\"", "node=\"1\""};
            assertThat(Scrape.value(body, "ferry_raft_leader", tags)).hasValue(1.0);
            assertThat(Scrape.value(body, "ferry_raft_term", tags).orElseThrow()).isGreaterThanOrEqualTo(1.0);
            assertThat(Scrape.value(body, "ferry_raft_commit_index", tags).orElseThrow()).isPositive();
            assertThat(Scrape.value(body, "ferry_partition_high_watermark", tags)).hasValue(10.0);
            assertThat(Scrape.value(body, "ferry_partition_log_end_offset", tags)).hasValue(10.0);
            assertThat(Scrape.value(body, "ferry_partition_commit_lag", tags)).hasValue(0.0);
            assertThat(Scrape.value(body, "ferry_under_replicated_partitions", "node=\"1\"")).hasValue(2.0);
            assertThat(Scrape.value(body, "ferry_log_dir_size_bytes").orElseThrow()).isGreaterThan(1000.0);
        });
        underReplicated.set(0);
        assertThat(Scrape.value(metrics.scrape(), "ferry_under_replicated_partitions")).hasValue(0.0);

        host.removeReplica(ORDERS, true);
        assertThat(Scrape.samples(metrics.scrape(), "ferry_raft_leader", "topic=\"orders\"")).isEmpty();
    }

    @Test
    void shouldBeReadyOnlyOnceEveryReplicaHasALeader() throws Exception {
        final ReplicaHealthCheck check = new ReplicaHealthCheck(host);
        assertThat(check.check().ready()).as("no replicas yet").isTrue();
        host.addReplica(ORDERS, List.of(RaftServerHost.peer("1", address)));
        await().atMost(Duration.ofSeconds(30)).until(() -> check.check().ready());
        assertThat(host.status(ORDERS).leader()).isTrue();
    }
}
