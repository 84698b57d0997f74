package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.AlterConfigsResource;
import dev.ferry.client.protocol.proto.ConfigOp;
import dev.ferry.client.protocol.proto.ConfigResource;
import dev.ferry.client.protocol.proto.ConfigResourceType;
import dev.ferry.client.protocol.proto.CreatePartitionsTopic;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.PartitionReassignment;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.node.cluster.InternalTopics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A real controller quorum (Ratis on 127.0.0.1) with real heartbeating nodes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ControllerQuorumTest {
    @TempDir
    Path tmp;

    private ControllerTestCluster cluster;
    private ControllerClient client;
    private final Map<Integer, NodeLifecycle> lifecycles = new HashMap<>();
    private final Map<Integer, MetadataView> views = new HashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        lifecycles.values().forEach(NodeLifecycle::close);
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void startCluster(final int voters) throws Exception {
        cluster = new ControllerTestCluster(tmp, voters);
        client = cluster.newClient();
    }

    private static NodeRegistration registration(final int id, final String rack) {
        return new NodeRegistration(id, "127.0.0.1", 19_000 + id, rack, "127.0.0.1:" + (29_000 + id), "inc-" + id);
    }

    private MetadataView startNode(final int id, final String rack) throws Exception {
        final MetadataView view = new MetadataView();
        // Each node reports leading partition id-1 of topic "kept" (whether or not it exists).
        final NodeLifecycle lc = new NodeLifecycle(registration(id, rack), client, view,
            () -> Map.of("kept-" + (id - 1), (long) id), 100);
        lifecycles.put(id, lc);
        views.put(id, view);
        lc.start().get(30, TimeUnit.SECONDS);
        return view;
    }

    private void startNodes(final int count) throws Exception {
        for (int i = 1; i <= count; i++) {
            startNode(i, "");
        }
        awaitAlive(count);
    }

    private void awaitAlive(final int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> activeImage().placeableNodes().size() == count);
    }

    private MetadataImage activeImage() {
        return cluster.server(cluster.awaitActive()).image();
    }

    private static TopicSpec spec(final String name, final int partitions, final int rf) {
        return TopicSpec.newBuilder().setName(name).setPartitions(partitions).setReplicationFactor(rf).build();
    }

    private ErrorCode create(final TopicSpec spec) throws Exception {
        return client.createTopics(List.of(spec), false).get().results().get(0).getError();
    }

    @Test
    void shouldPlaceReplicasAndLeadersEvenlyAndRejectBadRequests() throws Exception {
        startCluster(3);
        startNodes(3);
        final ControllerResult created = client.createTopics(List.of(spec("orders", 6, 3)), false).get();
        assertThat(created.allSucceeded()).isTrue();
        final MetadataImage image = views.get(1).awaitEpoch(created.epoch()).get(10, TimeUnit.SECONDS);
        final TopicInfo orders = image.topic("orders");
        assertThat(orders.partitions()).hasSize(6);
        for (int node = 1; node <= 3; node++) {
            assertThat(image.replicaCount(node)).isEqualTo(6);
            assertThat(image.preferredLeaderCount(node)).isEqualTo(2);
        }
        orders.partitions().forEach(p -> assertThat(new HashSet<>(p.replicas())).hasSize(3));

        assertThat(create(spec("orders", 1, 1))).isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(create(spec("bad/name", 1, 1))).isEqualTo(ErrorCode.INVALID_TOPIC);
        assertThat(create(spec("too-many-replicas", 1, 4))).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(create(spec("negative", -1, 1))).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        final var badConfig = client.createTopics(List.of(spec("cfg", 1, 1).toBuilder()
            .putConfigs("retention.ms", "soon").build()), false).get().results().get(0);
        assertThat(badConfig.getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(badConfig.getErrorMessage()).contains("retention.ms");
        final var unknownKey = client.createTopics(List.of(spec("cfg", 1, 1).toBuilder()
            .putConfigs("no.such.key", "1").build()), false).get().results().get(0);
        assertThat(unknownKey.getErrorMessage()).contains("no.such.key");
        assertThat(client.createTopics(List.of(spec("validated", 1, 1)), true).get().allSucceeded()).isTrue();
        assertThat(client.deleteTopics(List.of("missing")).get().results().get(0).getError())
            .isEqualTo(ErrorCode.UNKNOWN_TOPIC);

        final ControllerResult grown = client.createPartitions(List.of(CreatePartitionsTopic.newBuilder()
            .setName("orders").setTotalCount(8).build()), false).get();
        assertThat(grown.allSucceeded()).isTrue();
        assertThat(client.createPartitions(List.of(CreatePartitionsTopic.newBuilder().setName("orders")
            .setTotalCount(4).build()), false).get().results().get(0).getError())
            .isEqualTo(ErrorCode.INVALID_PARTITIONS);
        final ControllerResult altered = client.alterConfigs(List.of(AlterConfigsResource.newBuilder()
            .setResource(ConfigResource.newBuilder().setType(ConfigResourceType.TOPIC).setName("orders"))
            .addOps(ConfigOp.newBuilder().setName("retention.ms").setValue("60000")).build()), false).get();
        assertThat(altered.allSucceeded()).isTrue();
        final MetadataImage after = views.get(2).awaitEpoch(altered.epoch()).get(10, TimeUnit.SECONDS);
        assertThat(after.topic("orders").partitions()).hasSize(8);
        assertThat(after.topic("orders").configs()).containsEntry("retention.ms", "60000");
        assertThat(after.topic("validated")).isNull();
        assertThat(after.clusterId()).isNotEmpty();

        final ControllerResult deleted = client.deleteTopics(List.of("orders")).get();
        assertThat(deleted.allSucceeded()).isTrue();
        assertThat(views.get(3).awaitEpoch(deleted.epoch()).get(10, TimeUnit.SECONDS).topic("orders")).isNull();
    }

    @Test
    void shouldSpreadReplicasOverRacks() throws Exception {
        startCluster(3);
        final String[] racks = {"a", "a", "b", "b", "c", "c"};
        for (int i = 1; i <= 6; i++) {
            startNode(i, racks[i - 1]);
        }
        awaitAlive(6);
        final ControllerResult r = client.createTopics(List.of(spec("racked", 12, 3)), false).get();
        final MetadataImage image = views.get(1).awaitEpoch(r.epoch()).get(10, TimeUnit.SECONDS);
        for (final PartitionInfo p : image.topic("racked").partitions()) {
            final Set<String> used = new HashSet<>();
            p.replicas().forEach(n -> used.add(image.node(n).rack()));
            assertThat(used).as("racks of partition %s", p).hasSize(3);
        }
        for (int node = 1; node <= 6; node++) {
            assertThat(image.replicaCount(node)).isEqualTo(6);
            assertThat(image.preferredLeaderCount(node)).isEqualTo(2);
        }
    }

    @Test
    void shouldFenceSilentNodeAndUnfenceItWhenItHeartbeatsAgain() throws Exception {
        startCluster(3);
        startNodes(3);
        lifecycles.remove(3).close();
        await().atMost(Duration.ofSeconds(20)).until(() -> views.get(1).image().node(3).state() == NodeState.FENCED);
        assertThat(create(spec("needs-three", 1, 3))).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);

        client.heartbeat(3, "inc-3", Map.of(), 0, LeaderTable.EMPTY).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> activeImage().node(3).state() == NodeState.ALIVE);
        startNode(3, "");
        assertThat(create(spec("needs-three", 1, 3))).isEqualTo(ErrorCode.NONE);
    }

    @Test
    void shouldReachTheNewControllerWithinAHeartbeatWhenTheActiveOneDiesSilently() throws Exception {
        startCluster(3);
        startNodes(1);
        final Map<Integer, SilenceableProxy> proxies = new HashMap<>();
        final Map<Integer, String> viaProxies = new HashMap<>();
        for (final Map.Entry<Integer, String> v : cluster.voters().entrySet()) {
            proxies.put(v.getKey(), new SilenceableProxy(v.getValue()));
            viaProxies.put(v.getKey(), proxies.get(v.getKey()).address());
        }
        try (ControllerClient heartbeats = new ControllerClient(viaProxies, 20_000, 1_500)) {
            heartbeats.heartbeat(1, "inc-1", Map.of(), 0, LeaderTable.EMPTY).get(10, TimeUnit.SECONDS);
            final int dead = cluster.awaitActive();
            // Its machine dies: its connections go silent (nothing closes them) and the others elect a new one.
            proxies.get(dead).silence();
            cluster.stop(dead);
            cluster.awaitActive();
            // As NodeLifecycle does: heartbeat, and again soon after a failure. A heartbeat that waited out a
            // 5 s attempt on the dead controller let the new one fence every node (session 6 s in production).
            await().atMost(Duration.ofMillis(4_000)).pollInterval(Duration.ofMillis(200)).until(() -> {
                try {
                    heartbeats.heartbeat(1, "inc-1", Map.of(), 0, LeaderTable.EMPTY).get(10, TimeUnit.SECONDS);
                    return true;
                } catch (final ExecutionException e) {
                    return false;
                }
            });
        } finally {
            for (final SilenceableProxy p : proxies.values()) {
                p.close();
            }
        }
    }

    @Test
    void shouldReportLeadersFromHeartbeats() throws Exception {
        startCluster(1);
        final MetadataView view = new MetadataView();
        final NodeLifecycle lc = new NodeLifecycle(registration(1, ""), client, view,
            () -> Map.of("orders-0", 7L), 100);
        lifecycles.put(1, lc);
        lc.start().get(30, TimeUnit.SECONDS);
        assertThat(create(spec("orders", 1, 1))).isEqualTo(ErrorCode.NONE);
        final MetadataClusterView clusterView = new MetadataClusterView(view);
        // Leaders come with heartbeats and topics with the metadata log: two streams, each in its own time.
        await().atMost(Duration.ofSeconds(10)).until(() -> clusterView.leader(
            new dev.ferry.replication.PartitionId("orders", 0)) == 1 && clusterView.partitionCount("orders") == 1);
        assertThat(view.leaders().leader("orders-0").term()).isEqualTo(7L);
        assertThat(clusterView.endpoint(1).getPort()).isEqualTo(19_001);
        assertThat(clusterView.partitionCount("orders")).isEqualTo(1);
        assertThat(clusterView.partitionCount("missing")).isEqualTo(-1);
        assertThat(view.controllerId()).isEqualTo(1);
    }

    @Test
    void shouldKeepImageAndProducerIdBlocksAcrossControllerFailover() throws Exception {
        startCluster(3);
        startNodes(3);
        final List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            blocks.add(client.allocateProducerIds(1).get());
        }
        assertThat(create(spec("kept", 3, 3))).isEqualTo(ErrorCode.NONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> views.get(1).leaders().leaders().size() == 3);
        final String oldTable = views.get(1).leaders().id();
        final int first = cluster.awaitActive();
        cluster.stop(first);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            final int active = cluster.awaitActive();
            return active != first;
        });
        final MetadataImage image = activeImage();
        assertThat(image.topic("kept")).isNotNull();
        for (int i = 0; i < 3; i++) {
            blocks.add(client.allocateProducerIds(2).get());
        }
        for (int i = 1; i < blocks.size(); i++) {
            assertThat(blocks.get(i)).isGreaterThanOrEqualTo(blocks.get(i - 1) + ControllerClient.PRODUCER_ID_BLOCK);
        }
        assertThat(create(spec("after-failover", 2, 3))).isEqualTo(ErrorCode.NONE);
        // Nodes keep the old leader table until the new controller has heard from every alive node, or a
        // session timeout has passed (a node whose client is still finding the new controller is then merged
        // in by its next heartbeat): the new table ends up with every node's claims.
        await().atMost(Duration.ofSeconds(10)).until(() -> !views.get(1).leaders().id().equals(oldTable)
            && views.get(1).leaders().leaders().size() == 3);
        assertThat(views.get(2).leaders().leader("kept-2")).isEqualTo(new LeaderTable.Leader(3, 3));
        // The new controller gave every node a fresh session: none is fenced while they keep heartbeating.
        assertThat(activeImage().placeableNodes()).containsExactly(1, 2, 3);
        cluster.start(first);
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.server(first).image().topic("after-failover")
            != null);
    }

    @Test
    void shouldReloadFromSnapshotAndLogAfterRestart() throws Exception {
        startCluster(3);
        startNodes(3);
        assertThat(create(spec("in-snapshot", 2, 3))).isEqualTo(ErrorCode.NONE);
        final long firstBlock = client.allocateProducerIds(1).get();
        for (int id = 1; id <= 3; id++) {
            final int node = id;
            await().atMost(Duration.ofSeconds(10)).until(() -> cluster.server(node).image().nextProducerId()
                > firstBlock);
            assertThat(cluster.server(id).snapshot()).isPositive();
        }
        assertThat(create(spec("in-log", 1, 3))).isEqualTo(ErrorCode.NONE);
        final long epoch = activeImage().epoch();
        lifecycles.values().forEach(NodeLifecycle::close);
        lifecycles.clear();
        cluster.close();
        for (int id = 1; id <= 3; id++) {
            cluster.start(id);
        }
        final MetadataImage image = activeImage();
        assertThat(image.epoch()).isGreaterThanOrEqualTo(epoch);
        assertThat(image.topic("in-snapshot").partitions()).hasSize(2);
        assertThat(image.topic("in-log").partitions()).hasSize(1);
        assertThat(image.nextProducerId()).isEqualTo(firstBlock + ControllerClient.PRODUCER_ID_BLOCK);
        assertThat(client.allocateProducerIds(1).get()).isEqualTo(firstBlock + ControllerClient.PRODUCER_ID_BLOCK);
    }

    @Test
    void shouldCatchUpLaggingVoterFromSnapshotAfterLogPurge() throws Exception {
        cluster = new ControllerTestCluster(tmp, 3, 5);
        client = cluster.newClient();
        startNodes(1);
        final int active = cluster.awaitActive();
        final int lagging = active == 3 ? 2 : 3;
        cluster.stop(lagging);
        for (int i = 0; i < 12; i++) {
            assertThat(create(spec("bulk-" + i, 1000, 1))).isEqualTo(ErrorCode.NONE);
        }
        final Path leaderLog = tmp.resolve("node-" + active).resolve("controller")
            .resolve(MetadataQuorum.GROUP_ID.getUuid().toString()).resolve("current");
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (var files = java.nio.file.Files.list(leaderLog)) {
                return files.noneMatch(f -> f.getFileName().toString().startsWith("log_0-")
                    || f.getFileName().toString().equals("log_inprogress_0"));
            }
        });
        cluster.start(lagging);
        final long epoch = activeImage().epoch();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.server(lagging).image().epoch() >= epoch);
        assertThat(cluster.server(lagging).image().topics()).hasSize(12);
        assertThat(cluster.server(lagging).image().topic("bulk-11").partitions()).hasSize(1000);
    }

    @Test
    void shouldSetTargetsWhenDecommissioningAndFinishWhenMoved() throws Exception {
        startCluster(3);
        startNodes(4);
        assertThat(create(spec("moving", 4, 2))).isEqualTo(ErrorCode.NONE);
        final ControllerResult r = client.decommission(4).get();
        final MetadataImage image = views.get(1).awaitEpoch(r.epoch()).get(10, TimeUnit.SECONDS);
        assertThat(image.node(4).state()).isEqualTo(NodeState.DECOMMISSIONING);
        assertThat(r.value()).isEqualTo(2);
        int moving = 0;
        for (final PartitionInfo p : image.topic("moving").partitions()) {
            if (p.replicas().contains(4)) {
                moving++;
                assertThat(p.targetReplicas()).hasSize(2).doesNotContain(4).doesNotHaveDuplicates();
            } else {
                assertThat(p.reassigning()).isFalse();
            }
        }
        assertThat(moving).isEqualTo(2);
        assertThat(create(spec("not-on-4", 6, 3))).isEqualTo(ErrorCode.NONE);
        assertThat(activeImage().topic("not-on-4").partitions()).allMatch(p -> !p.replicas().contains(4));
        long last = 0;
        for (final PartitionInfo p : image.topic("moving").partitions()) {
            last = client.completeReassignment("moving", p.partition()).get().epoch();
        }
        final MetadataImage done = views.get(1).awaitEpoch(last).get(10, TimeUnit.SECONDS);
        assertThat(done.node(4).state()).isEqualTo(NodeState.DECOMMISSIONED);
        assertThat(done.topic("moving").partitions()).allMatch(p -> !p.involves(4));

        final ControllerResult reassigned = client.reassign(List.of(PartitionReassignment.newBuilder()
            .setTopic("moving").setPartition(0).addReplicas(1).addReplicas(2).build(),
            PartitionReassignment.newBuilder().setTopic("moving").setPartition(9).addReplicas(1).build())).get();
        assertThat(reassigned.results().get(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(reassigned.results().get(1).getError()).isEqualTo(ErrorCode.UNKNOWN_PARTITION);
        final ControllerResult completed = client.completeReassignment("moving", 0).get();
        assertThat(views.get(2).awaitEpoch(completed.epoch()).get(10, TimeUnit.SECONDS).topic("moving")
            .partition(0).replicas()).containsExactly(1, 2);
        assertThatThrownBy(() -> client.decommission(42).get()).isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(ControllerException.class)
            .matches(e -> ((ControllerException) e).error() == ErrorCode.UNKNOWN_NODE);
    }

    @Test
    void shouldServeSingleVoterAndCreateOffsetsTopic() throws Exception {
        startCluster(1);
        startNodes(1);
        assertThat(create(spec("defaults", 0, 0))).isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(create(spec("single", 0, 1))).isEqualTo(ErrorCode.NONE);
        final ControllerResult offsets = client.ensureOffsetsTopic().get();
        final MetadataImage image = views.get(1).awaitEpoch(offsets.epoch()).get(10, TimeUnit.SECONDS);
        assertThat(image.topic("single").partitions()).hasSize(3);
        final TopicInfo t = image.topic(InternalTopics.CONSUMER_OFFSETS);
        assertThat(t.partitions()).hasSize(5).allMatch(p -> p.replicas().equals(List.of(1)));
        assertThat(client.ensureOffsetsTopic().get().allSucceeded()).isTrue();
        assertThat(create(spec(InternalTopics.CONSUMER_OFFSETS, 1, 1))).isEqualTo(ErrorCode.INVALID_TOPIC);
        assertThat(client.deleteTopics(List.of(InternalTopics.CONSUMER_OFFSETS)).get().results().get(0).getError())
            .isEqualTo(ErrorCode.INVALID_TOPIC);
    }
}
