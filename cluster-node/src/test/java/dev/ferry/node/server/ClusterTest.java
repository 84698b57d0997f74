package dev.ferry.node.server;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsRequest;
import dev.ferry.client.protocol.proto.ApiVersionsResponse;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.DeleteTopicsRequest;
import dev.ferry.client.protocol.proto.DeleteTopicsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.log.TestBatches;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.ferry.log.TestBatches.offsetsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real 3-node Ferry cluster in one JVM (every node a controller voter, own ports and data directory): topics,
 * produce and fetch across nodes and from followers, a node killed and brought back, a graceful stop, garbage
 * on a node's port.
 */
@Timeout(180)
class ClusterTest extends ClusterTestBase {

    @Override
    int nodes() {
        return 3;
    }

    private void createTopic(final String name, final int partitions) {
        final CreateTopicsResponse created = client.createTopic(name, partitions, 3, Map.of());
        assertThat(created.getResults(0).getError()).as(created.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.NONE);
        await().atMost(WITHIN).until(() -> allLeadersKnown(name, partitions));
    }

    private boolean allLeadersKnown(final String topic, final int partitions) {
        final MetadataResponse md = client.metadata(topic);
        final TopicMetadata t = md.getTopics(0);
        return t.getError() == ErrorCode.NONE && t.getPartitionsCount() == partitions
            && t.getPartitionsList().stream().allMatch(p -> p.getLeaderId() >= 0);
    }

    private int leaderIndex(final String topic, final int partition) {
        return client.leader(topic, partition).getNodeId() - 1;
    }

    private String address(final int index) {
        return "127.0.0.1:" + cluster.port(index);
    }

    @Test
    void shouldCreateATopicOfSixPartitionsWithThreeReplicasSpreadOverTheNodes() {
        createTopic("orders", 6);
        final MetadataResponse md = client.metadata("orders");
        assertThat(md.getNodesCount()).isEqualTo(3);
        final int[] leadersPerNode = new int[3];
        for (final PartitionMetadata p : md.getTopics(0).getPartitionsList()) {
            assertThat(p.getReplicasList()).hasSize(3).doesNotHaveDuplicates();
            leadersPerNode[p.getReplicasList().get(0) - 1]++;
        }
        // Preferred leaders (first replicas) are spread evenly: 2 per node.
        assertThat(leadersPerNode).containsExactly(2, 2, 2);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.node(i).raftHost().partitions()).hasSize(6 + offsetsPartitionsOn(i));
        }
    }

    private int offsetsPartitionsOn(final int i) {
        return (int) cluster.node(i).raftHost().partitions().stream()
            .filter(p -> p.topic().equals("__consumer_offsets")).count();
    }

    @Test
    void shouldElectPreferredReplicasFirstAndThenEvenOutRaftPriorities() throws Exception {
        createTopic("first", 6);
        // The preferred replica has the highest Raft priority in a new group, so it wins the first election ...
        await().atMost(WITHIN).until(() -> preferredLeadersLead("first", 6));
        // ... and then every replica gets the same priority: a candidate waits for a replica of higher priority
        // to answer its vote, which after that replica's machine died cost whole election rounds.
        for (int i = 0; i < 3; i++) {
            final RaftServerHost host = cluster.node(i).raftHost();
            for (int p = 0; p < 6; p++) {
                final PartitionId id = new PartitionId("first", p);
                await().atMost(WITHIN).until(() -> {
                    final List<RaftPeer> peers = host.currentPeers(id);
                    return peers.stream().allMatch(peer -> peer.getPriority() == peers.get(0).getPriority());
                });
            }
        }
        assertThat(preferredLeadersLead("first", 6)).isTrue();
    }

    @Test
    void shouldProduceOnLeadersAndFetchTheSameBytesFromEveryReplica() throws Exception {
        createTopic("events", 6);
        final List<ByteBuffer> sent = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            for (int b = 0; b < 3; b++) {
                final ByteBuffer batch = TestBatches.batch(10, 64, 1_000 + b);
                sent.add(batch);
                assertThat(client.produce("events", p, batch, WITHIN)).isEqualTo(b * 10L);
            }
        }
        for (int p = 0; p < 6; p++) {
            final int partition = p;
            final int leader = leaderIndex("events", p);
            byte[] leaderBytes = null;
            for (int node = 0; node < 3; node++) {
                final int n = node;
                // A follower serves up to its own high watermark, which follows the leader's within a heartbeat.
                await().atMost(WITHIN).until(() -> client.fetch(address(n), "events", partition, 0, 1 << 20, 0)
                    .result().getHighWatermark() == 30);
                final TestClient.Fetched f = client.fetch(address(node), "events", p, 0, 1 << 20, 0);
                assertThat(f.result().getError()).as(f.result().getErrorMessage()).isEqualTo(ErrorCode.NONE);
                final byte[] bytes = new byte[f.records().remaining()];
                f.records().get(bytes);
                assertThat(offsetsIn(bytes)).hasSize(30).startsWith(0L).endsWith(29L);
                if (node == leader) {
                    leaderBytes = bytes;
                }
            }
            for (int node = 0; node < 3; node++) {
                final TestClient.Fetched f = client.fetch(address(node), "events", p, 0, 1 << 20, 0);
                final byte[] bytes = new byte[f.records().remaining()];
                f.records().get(bytes);
                assertThat(bytes).as("partition %d on node %d", p, node + 1).isEqualTo(leaderBytes);
            }
        }
    }

    @Test
    void shouldKeepProducingWhenANodeIsKilledAndCatchUpWhenItReturns() throws Exception {
        createTopic("payments", 6);
        for (int p = 0; p < 6; p++) {
            client.produce("payments", p, TestBatches.batch(5, 32, 1), WITHIN);
        }
        final int victim = leaderIndex("payments", 0);
        cluster.kill(victim);
        // Every partition keeps taking writes on the two remaining nodes, the killed node's included.
        for (int round = 0; round < 3; round++) {
            for (int p = 0; p < 6; p++) {
                client.produce("payments", p, TestBatches.batch(5, 32, 2 + round), WITHIN);
            }
        }
        cluster.start(victim);
        cluster.node(victim).awaitJoined(WITHIN);
        for (int p = 0; p < 6; p++) {
            final PartitionId id = new PartitionId("payments", p);
            await().atMost(WITHIN).until(() -> {
                final PartitionStateMachine sm = cluster.node(victim).raftHost().stateMachine(id);
                return sm != null && sm.highWatermark().offset() == 20;
            });
            // Its leaderships come back once it is in sync (below); a fetch that meets the handover is refused
            // with a retriable error, so read until an answer carries records.
            final TestClient.Fetched f = await().atMost(WITHIN).until(
                () -> client.fetch(address(victim), "payments", id.partition(), 0, 1 << 20, 0),
                r -> r.result().getError() == ErrorCode.NONE);
            final byte[] bytes = new byte[f.records().remaining()];
            f.records().get(bytes);
            assertThat(offsetsIn(bytes)).hasSize(20);
        }
        // Leader balancing: the returned node takes back the leaderships it is preferred for.
        await().atMost(WITHIN).until(() -> preferredLeadersLead("payments", 6));
    }

    @Test
    void shouldRebuildAReplicaWhoseSegmentWasDamagedWhileItsNodeWasDown() throws Exception {
        createTopic("ledger", 1);
        final PartitionId id = new PartitionId("ledger", 0);
        for (int b = 0; b < 40; b++) {
            client.produce("ledger", 0, TestBatches.batch(10, 64, 1_000 + b), WITHIN);
        }
        final int victim = (leaderIndex("ledger", 0) + 1) % 3;
        await().atMost(WITHIN).until(() -> cluster.node(victim).raftHost().stateMachine(id).highWatermark()
            .offset() == 400);
        final Path partitionDir = cluster.node(victim).raftHost().stateMachine(id).log().dir();
        cluster.kill(victim);
        // An in-process kill still closes the files; a crash leaves no clean-shutdown marker.
        Files.deleteIfExists(partitionDir.resolve(".clean-shutdown"));
        // Bits flipped in the middle of the segment, in data that was acknowledged long ago.
        final Path segment;
        try (var files = Files.list(partitionDir)) {
            segment = files.filter(f -> f.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            for (long at = f.length() / 3; at < f.length() * 2 / 3; at += 997) {
                f.seek(at);
                final int v = f.read();
                f.seek(at);
                f.write(v ^ 0xA5);
            }
        }
        cluster.start(victim);
        cluster.node(victim).awaitJoined(WITHIN);
        for (int b = 40; b < 45; b++) {
            client.produce("ledger", 0, TestBatches.batch(10, 64, 1_000 + b), WITHIN);
        }
        // Found out at start, rebuilt from the others: the same bytes as the leader's, nothing lost.
        await().atMost(WITHIN).until(() -> {
            final PartitionStateMachine sm = cluster.node(victim).raftHost().stateMachine(id);
            return sm != null && sm.isHealthy() && sm.highWatermark().offset() == 450;
        });
        final byte[] expected = fetchAll(leaderIndex("ledger", 0), 450);
        assertThat(offsetsIn(expected)).hasSize(450);
        assertThat(fetchAll(victim, 450)).isEqualTo(expected);
    }

    private byte[] fetchAll(final int node, final long end) {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long next = 0;
        while (next < end) {
            final long from = next;
            final TestClient.Fetched f = await().atMost(WITHIN).until(
                () -> client.fetch(address(node), "ledger", 0, from, 1 << 20, 0),
                r -> r.result().getError() == ErrorCode.NONE && r.records().remaining() > 0);
            final byte[] bytes = new byte[f.records().remaining()];
            f.records().get(bytes);
            out.write(bytes, 0, bytes.length);
            final List<Long> offsets = offsetsIn(bytes);
            next = offsets.get(offsets.size() - 1) + 1;
        }
        return out.toByteArray();
    }

    private boolean preferredLeadersLead(final String topic, final int partitions) {
        final MetadataResponse md = client.metadata(topic);
        return md.getTopics(0).getPartitionsList().stream()
            .allMatch(p -> p.getLeaderId() == p.getReplicas(0));
    }

    @Test
    void shouldMoveLeadershipsAwayBeforeAGracefulStop() throws Exception {
        createTopic("graceful", 6);
        // Count the node's leaderships once the preferred replicas lead, or a move to a preferred leader during
        // the stop is miscounted.
        await().atMost(WITHIN).until(() -> client.metadata("graceful").getTopics(0).getPartitionsList().stream()
            .allMatch(p -> p.getLeaderId() == p.getReplicas(0)));
        final int node = leaderIndex("graceful", 0);
        final Set<Integer> led = new HashSet<>();
        for (int p = 0; p < 6; p++) {
            if (leaderIndex("graceful", p) == node) {
                led.add(p);
            }
        }
        final FerryNode stopping = cluster.node(node);
        cluster.stop(node);
        // Every leadership was handed over, also those where the node is the preferred leader.
        assertThat(stopping.leadershipsMovedOnStop()).isEqualTo(led.size());
        for (final int p : led) {
            // Produce works at once: the leadership moved before the node went away, no election timeout.
            client.produce("graceful", p, TestBatches.batch(1, 8, 1), WITHIN);
            assertThat(leaderIndex("graceful", p)).isNotEqualTo(node);
        }
    }

    @Test
    void shouldServeMetricsAndHealthAndDropTheReplicasOfADeletedTopic() throws Exception {
        createTopic("metered", 3);
        for (int p = 0; p < 3; p++) {
            client.produce("metered", p, TestBatches.batch(10, 100, 1), WITHIN);
        }
        final HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 3; i++) {
            final URI ready = URI.create("http://127.0.0.1:" + cluster.node(i).adminPort() + "/health/ready");
            await().atMost(WITHIN).until(() -> http.send(HttpRequest.newBuilder(ready).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        }
        final int leader = leaderIndex("metered", 0);
        final String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + cluster.node(leader).adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("ferry_topic_in_records_total{node=\"" + (leader + 1) + "\",topic=\"metered\"}")
            .contains("ferry_raft_leader{").contains("partition=\"0\"").contains("ferry_under_replicated_partitions")
            .contains("ferry_requests_seconds_count{api=\"PRODUCE\"").contains("jvm_memory_used_bytes");

        final DeleteTopicsResponse deleted = client.call(ApiKey.DELETE_TOPICS, DeleteTopicsRequest.newBuilder()
            .addTopics("metered").setTimeoutMs(30_000).build(), DeleteTopicsResponse.parser());
        assertThat(deleted.getResults(0).getError()).as(deleted.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.NONE);
        for (int i = 0; i < 3; i++) {
            final int n = i;
            await().atMost(WITHIN).until(() -> cluster.node(n).raftHost().partitions().stream()
                .noneMatch(p -> p.topic().equals("metered")));
        }
        assertThat(client.metadata("metered").getTopics(0).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void shouldStayUpWhenGivenGarbageOnItsPort() throws Exception {
        final Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            try (Socket s = new Socket("127.0.0.1", cluster.port(0))) {
                final byte[] junk = new byte[1 + random.nextInt(4096)];
                random.nextBytes(junk);
                final OutputStream out = s.getOutputStream();
                out.write(junk);
                out.flush();
            } catch (final java.io.IOException expected) {
                // the node may close the connection while we write: that is the point
            }
        }
        try (ClientResponse r = client.send(address(0), ApiKey.API_VERSIONS, ApiVersionsRequest.getDefaultInstance(),
            null)) {
            assertThat(r.error()).isEqualTo(ErrorCode.NONE);
            assertThat(r.body(ApiVersionsResponse.parser()).getVersionsCount()).isGreaterThan(10);
        }
        createTopic("after-garbage", 1);
        assertThat(client.produce("after-garbage", 0, TestBatches.batch(3, 8, 1), WITHIN)).isZero();
    }
}
