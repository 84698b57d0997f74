package dev.ferry.chaos.cluster;

import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NodeState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The chaos harness itself, on a real 3-node container cluster: every Docker-level fault does what the nemeses
 * rely on, and is undone. A fault that silently did nothing would make every chaos run pass for nothing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ChaosClusterIT {
    private static ChaosCluster cluster;
    private static FerryAdmin admin;

    @BeforeAll
    static void start() {
        cluster = ChaosCluster.start(3, 256, Map.of(), 2, 64L << 20);
        admin = FerryAdmin.create(Map.of("bootstrap.servers", cluster.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killedNodeComesBackOnItsAddress() {
        final ChaosNode node = cluster.node(2);
        node.kill();
        assertThat(node.isRunning()).isFalse();
        await().atMost(Duration.ofSeconds(30)).until(() -> state(2) == NodeState.FENCED);
        node.start();
        cluster.awaitAllReady(Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> state(2) == NodeState.ALIVE);
    }

    @Test
    void filesOfAStoppedNodeCanBeReadAndDamaged() {
        // What damage-segment does to a killed node's segment: read it out, write it back changed, start.
        final ChaosNode node = cluster.node(1);
        node.kill();
        final String file = "/var/lib/ferry/chaos-probe.bin";
        node.writeFile(file, new byte[] {1, 2, 3});
        assertThat(node.readFile(file)).containsExactly(1, 2, 3);
        node.writeFile(file, new byte[] {1, 2});
        assertThat(node.readFile(file)).containsExactly(1, 2);
        node.start();
        cluster.awaitAllReady(Duration.ofMinutes(2));
    }

    @Test
    void fullDiskRefusesTheNodesWritesUntilFreed() throws Exception {
        final ChaosNode node = cluster.node(2);
        assumeTrue(node.disk().isPresent(), "not root: no tmpfs could be mounted for node-2");
        final SmallDisk disk = node.disk().orElseThrow();
        assertThat(disk.path()).as("the node's data directory, seen from the host").isNotEmptyDirectory();
        final long filled = disk.fill();
        try {
            assertThat(filled).isGreaterThan(0);
            assertThatThrownBy(() -> Files.write(disk.path().resolve("probe"), new byte[4096]))
                .isInstanceOf(IOException.class).hasMessageContaining("No space left");
        } finally {
            disk.free();
        }
        Files.write(disk.path().resolve("probe"), new byte[4096]);
        Files.delete(disk.path().resolve("probe"));
        node.kill();
        node.start();
        cluster.awaitAllReady(Duration.ofMinutes(2));
    }

    @Test
    void pausedNodeAnswersNothingUntilThawed() {
        final ChaosNode node = cluster.node(3);
        node.pause();
        try {
            assertThat(node.isPaused()).isTrue();
            assertThat(node.isLive()).as("a frozen node's health endpoint").isFalse();
        } finally {
            node.unpause();
        }
        cluster.awaitAllReady(Duration.ofMinutes(2));
    }

    @Test
    void disconnectedNodeIsUnreachableThenBackOnItsAddress() {
        final ChaosNode node = cluster.node(1);
        node.disconnect();
        try {
            assertThat(node.isConnected()).isFalse();
            assertThat(reachable(node)).as("client port of a disconnected node").isFalse();
        } finally {
            node.connect();
        }
        assertThat(reachable(node)).isTrue();
        cluster.awaitAllReady(Duration.ofMinutes(2));
    }

    @Test
    void firewalledNodeLosesItsPeersButNotItsClients() throws Exception {
        final ChaosNode node = cluster.node(1);
        assertThat(NodeFirewall.usable(node)).as("iptables in the node's namespace (needs root)").isTrue();
        NodeFirewall.block(node, List.of(cluster.node(2), cluster.node(3)));
        NodeFirewall.block(cluster.node(2), List.of(node));
        NodeFirewall.block(cluster.node(3), List.of(node));
        try {
            assertThat(connects(node, cluster.node(2))).as("node-1 to node-2's Raft port, firewalled").isFalse();
            assertThat(connects(cluster.node(3), node)).as("node-3 to node-1's Raft port, firewalled").isFalse();
            assertThat(connects(cluster.node(2), cluster.node(3))).as("node-2 to node-3, not firewalled").isTrue();
            assertThat(reachable(node)).as("client port of a firewalled node, from the test").isTrue();
        } finally {
            cluster.nodes().forEach(NodeFirewall::heal);
        }
        assertThat(connects(node, cluster.node(2))).as("node-1 to node-2 after healing").isTrue();
        cluster.awaitAllReady(Duration.ofMinutes(2));
    }

    /** Whether {@code from} opens a TCP connection to {@code to}'s Raft port (busybox nc in the node's image). */
    private static boolean connects(final ChaosNode from, final ChaosNode to) throws Exception {
        return from.container().execInContainer("sh", "-c", "echo | nc -w 2 " + to.ip() + " 9093").getExitCode()
            == 0;
    }

    private static NodeState state(final int id) {
        try {
            return admin.describeCluster().get(10, TimeUnit.SECONDS).node(id).state();
        } catch (final Exception e) {
            return NodeState.UNKNOWN;
        }
    }

    private static boolean reachable(final ChaosNode node) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(node.ip(), ChaosCluster.CLIENT_PORT), 2_000);
            return true;
        } catch (final IOException e) {
            return false;
        }
    }
}
