package dev.ferry.testing.admin;

import dev.ferry.client.admin.ClusterDescription;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.NodeState;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.testing.FerryCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ferry.testing.admin.FerryAdminTest.awaitLeader;
import static dev.ferry.testing.admin.FerryAdminTest.codeOf;
import static dev.ferry.testing.admin.FerryAdminTest.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reassignment through the admin client on a real 4-node cluster: one of a partition's three replicas moves to the
 * node that held none (Raft changes membership one minority at a time, so the fourth node is needed), then the
 * partition's leadership moves to the new preferred replica; then the node left without it is decommissioned.
 */
@FerryCluster(nodes = 4)
@Timeout(60)
class FerryAdminReassignTest {
    private static final long WAIT_S = 30;

    @Test
    void movesAReplicaAndLeadershipToAnotherNodeThenDecommissionsTheOldOne(final FerryAdmin admin) throws Exception {
        get(admin.createTopics(List.of(NewTopic.of("moved", 1, 3))));
        final PartitionDescription before = awaitLeader(admin, "moved");
        final int outsider = List.of(1, 2, 3, 4).stream().filter(n -> !before.replicas().contains(n)).findFirst()
            .orElseThrow();
        // The outsider replaces the last replica and becomes the preferred leader.
        final List<Integer> target = new ArrayList<>();
        target.add(outsider);
        target.addAll(before.replicas().subList(0, 2));

        get(admin.reassignPartitions(Map.of(new TopicPartition("moved", 0), target)));
        await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() -> {
            final PartitionDescription p = get(admin.describeTopics(List.of("moved"))).get("moved").partitions()
                .get(0);
            assertThat(p.replicas()).as(p.toString()).containsExactlyElementsOf(target);
            assertThat(p.addingReplicas()).as(p.toString()).isEmpty();
            assertThat(p.removingReplicas()).as(p.toString()).isEmpty();
        });

        get(admin.transferLeadership("moved", 0, -1));
        await().atMost(Duration.ofSeconds(WAIT_S)).until(() -> awaitLeader(admin, "moved").leader() == outsider);

        assertThat(codeOf(admin.reassignPartitions(Map.of(new TopicPartition("moved", 0), List.of(1, 2, 99)))))
            .isEqualTo(ErrorCode.UNKNOWN_NODE);

        // The node that lost its replica is decommissioned: whatever it still holds moves to the other three.
        final int leaving = before.replicas().get(2);
        assertThat(get(admin.decommissionNode(leaving))).isNotNegative();
        await().atMost(Duration.ofSeconds(WAIT_S)).untilAsserted(() -> {
            final ClusterDescription c = get(admin.describeCluster());
            assertThat(c.node(leaving).state()).as(c.toString()).isEqualTo(NodeState.DECOMMISSIONED);
            assertThat(c.node(leaving).replicas()).as(c.toString()).isZero();
        });
        assertThat(get(admin.decommissionNode(leaving))).isZero();
    }
}
