package dev.ferry.testing.admin;

import dev.ferry.client.admin.ClusterDescription;
import dev.ferry.client.admin.ConfigChange;
import dev.ferry.client.admin.ConfigEntry;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.GroupDescription;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.NodeDescription;
import dev.ferry.client.admin.NodeState;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.PartitionLag;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.testing.EmbeddedFerry;
import dev.ferry.testing.FerryCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every call of the admin client against a real 3-node cluster (started by the testing module's own extension),
 * with the node's error codes surfacing as {@link FerryException}s.
 */
@FerryCluster(nodes = 3)
@Timeout(60)
class FerryAdminTest {
    private static final long WAIT_S = 30;
    private static FerryAdmin admin;
    private static EmbeddedFerry ferry;

    @BeforeAll
    static void connect(final EmbeddedFerry embedded) {
        ferry = embedded;
        admin = embedded.admin();
    }

    static <T> T get(final CompletableFuture<T> f) throws Exception {
        return f.get(WAIT_S, TimeUnit.SECONDS);
    }

    static ErrorCode codeOf(final CompletableFuture<?> f) throws Exception {
        try {
            f.get(WAIT_S, TimeUnit.SECONDS);
        } catch (final ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(FerryException.class);
            return ((FerryException) e.getCause()).code();
        }
        return fail("expected a FerryException");
    }

    @Test
    void createsListsDescribesAndDeletesTopics() throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("orders", 3, 3), NewTopic.of("audit", 1, 1))));
        assertThat(get(admin.listTopics())).contains("orders", "audit").doesNotContain("__consumer_offsets");

        // Leaders are elected just after the topic is created.
        final TopicDescription orders = await().atMost(Duration.ofSeconds(WAIT_S)).until(() ->
            get(admin.describeTopics(List.of("orders"))).get("orders"),
            t -> t.partitions().stream().allMatch(p -> p.leader() > 0));
        assertThat(orders.internal()).isFalse();
        assertThat(orders.partitions()).extracting(PartitionDescription::partition).containsExactly(0, 1, 2);
        for (final PartitionDescription p : orders.partitions()) {
            assertThat(p.replicas()).hasSize(3).containsExactlyInAnyOrder(1, 2, 3);
            assertThat(p.replicas()).contains(p.leader());
            assertThat(p.inSyncReplicas()).isNotEmpty();
        }

        assertThat(codeOf(admin.createTopics(List.of(NewTopic.of("orders", 3, 3)))))
            .isEqualTo(ErrorCode.TOPIC_ALREADY_EXISTS);
        assertThat(codeOf(admin.createTopics(List.of(NewTopic.of("too-many-replicas", 1, 5)))))
            .isEqualTo(ErrorCode.INVALID_REPLICATION_FACTOR);
        assertThat(codeOf(admin.describeTopics(List.of("no-such-topic")))).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
        assertThat(codeOf(admin.deleteTopics(List.of("no-such-topic")))).isEqualTo(ErrorCode.UNKNOWN_TOPIC);

        get(admin.deleteTopics(List.of("audit")));
        await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() ->
            assertThat(get(admin.listTopics())).contains("orders").doesNotContain("audit"));
    }

    @Test
    void addsPartitionsButNeverRemovesThem() throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("growing", 2, 3))));
        get(admin.createPartitions("growing", 4));
        assertThat(get(admin.describeTopics(List.of("growing"))).get("growing").partitions()).hasSize(4);
        assertThat(codeOf(admin.createPartitions("growing", 2))).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(codeOf(admin.createPartitions("no-such-topic", 2))).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void describesSetsAndDeletesTopicConfigs() throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("configured", 1, 3))));
        final ConfigEntry before = get(admin.describeConfigs("configured")).get("retention.ms");
        assertThat(before).isNotNull();
        assertThat(before.isDefault()).isTrue();

        get(admin.alterConfigs("configured", List.of(ConfigChange.set("retention.ms", "123456"))));
        await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() -> {
            final ConfigEntry set = get(admin.describeConfigs("configured")).get("retention.ms");
            assertThat(set.value()).isEqualTo("123456");
            assertThat(set.isDefault()).isFalse();
        });

        get(admin.alterConfigs("configured", List.of(ConfigChange.delete("retention.ms"))));
        await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() ->
            assertThat(get(admin.describeConfigs("configured")).get("retention.ms").isDefault()).isTrue());

        assertThat(codeOf(admin.alterConfigs("configured", List.of(ConfigChange.set("retention.ms", "soon")))))
            .isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(codeOf(admin.describeConfigs("no-such-topic"))).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void describesTheClusterAndRefusesToDecommissionAnUnknownNode() throws Exception {
        final ClusterDescription cluster = get(admin.describeCluster());
        assertThat(cluster.nodes()).extracting(NodeDescription::id).containsExactly(1, 2, 3);
        assertThat(cluster.nodes()).extracting(NodeDescription::state).containsOnly(NodeState.ALIVE);
        assertThat(cluster.controllerId()).isBetween(1, 3);
        for (int i = 0; i < 3; i++) {
            final NodeDescription n = cluster.node(i + 1);
            assertThat(n.port()).isEqualTo(ferry.cluster().port(i));
            assertThat(n.controllerVoter()).isTrue();
        }
        assertThat(codeOf(admin.decommissionNode(99))).isEqualTo(ErrorCode.UNKNOWN_NODE);
    }

    @Test
    void transfersLeadershipToThePreferredReplica() throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("led", 1, 3))));
        final int preferred = awaitLeader(admin, "led").replicas().get(0);

        get(admin.transferLeadership("led", 0, -1));
        await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> awaitLeader(admin, "led").leader() == preferred);
        get(admin.transferLeadership("led", 0, preferred));
        assertThat(awaitLeader(admin, "led").leader()).isEqualTo(preferred);

        assertThat(codeOf(admin.transferLeadership("led", 0, 99))).isEqualTo(ErrorCode.UNKNOWN_NODE);
        assertThat(codeOf(admin.transferLeadership("led", 7, 1))).isEqualTo(ErrorCode.UNKNOWN_PARTITION);
        assertThat(codeOf(admin.transferLeadership("no-such-topic", 0, 1))).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    static PartitionDescription awaitLeader(final FerryAdmin admin, final String topic) {
        return await().atMost(Duration.ofSeconds(WAIT_S)).until(() ->
            get(admin.describeTopics(List.of(topic))).get(topic).partitions().get(0), p -> p.leader() > 0);
    }

    @Test
    void listsDescribesMeasuresResetsAndDeletesAConsumerGroup() throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("clicks", 2, 3))));
        final String group = "dashboards";
        try (RawClient raw = new RawClient(ferry.cluster().bootstrap())) {
            raw.produce("clicks", 0, 10);
            raw.produce("clicks", 1, 5);
            await().atMost(Duration.ofSeconds(WAIT_S)).ignoreExceptions()
                .until(() -> raw.heartbeat(group, "clicks") == ErrorCode.NONE
                && raw.owned().stream().mapToInt(t -> t.getPartitionsCount()).sum() == 2);
            assertThat(raw.commit(group, "clicks", Map.of(0, 4L, 1, 5L))).isEqualTo(ErrorCode.NONE);

            assertThat(get(admin.listConsumerGroups())).anyMatch(g -> g.groupId().equals(group));
            final GroupDescription described = get(admin.describeConsumerGroups(List.of(group))).get(group);
            assertThat(described.members()).hasSize(1);
            assertThat(described.members().get(0).assignment())
                .containsExactlyInAnyOrder(new TopicPartition("clicks", 0), new TopicPartition("clicks", 1));

            final Map<TopicPartition, PartitionLag> lag = get(admin.consumerGroupLag(group));
            assertThat(lag.get(new TopicPartition("clicks", 0)))
                .isEqualTo(new PartitionLag(new TopicPartition("clicks", 0), 4, 10, 6));
            assertThat(lag.get(new TopicPartition("clicks", 1)).lag()).isZero();

            final Map<TopicPartition, Long> rewind = Map.of(new TopicPartition("clicks", 0), 0L);
            assertThat(codeOf(admin.resetOffsets(group, rewind))).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
            assertThat(codeOf(admin.deleteConsumerGroups(List.of(group)))).isEqualTo(ErrorCode.NON_EMPTY_GROUP);

            assertThat(raw.leave(group, "clicks")).isEqualTo(ErrorCode.NONE);
        }
        get(admin.resetOffsets(group, Map.of(new TopicPartition("clicks", 0), 10L)));
        assertThat(get(admin.listConsumerGroupOffsets(group))).containsEntry(new TopicPartition("clicks", 0), 10L);
        assertThat(get(admin.consumerGroupLag(group)).values()).extracting(PartitionLag::lag).containsOnly(0L);

        get(admin.deleteConsumerGroups(List.of(group)));
        assertThat(codeOf(admin.describeConsumerGroups(List.of(group)))).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(codeOf(admin.deleteConsumerGroups(List.of(group)))).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
    }

    @Test
    void failsEveryCallAfterClose() throws Exception {
        final FerryAdmin closed = ferry.newAdmin(Map.of("client.id", "closed-admin"));
        closed.close();
        try {
            closed.listTopics().get(WAIT_S, TimeUnit.SECONDS);
            fail("a closed admin answered");
        } catch (final ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(FerryException.class).hasMessageContaining("closed");
        }
    }
}
