package dev.ferry.node.server;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.OffsetFetchPartition;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.client.protocol.proto.OffsetFetchResponse;
import dev.ferry.client.protocol.proto.TopicPartitions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Consumer groups on a real 3-node cluster: three members split six partitions and rebalance when one leaves;
 * committed offsets survive the loss of the coordinator's node.
 */
@Timeout(180)
class ClusterGroupsTest extends ClusterTestBase {

    @Override
    int nodes() {
        return 3;
    }

    @BeforeEach
    void createTopic() {
        final CreateTopicsResponse created = client.createTopic("clicks", 6, 3, Map.of());
        assertThat(created.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
    }

    /** The group's coordinator, once the offsets topic exists and its partition has a leader. */
    private NodeEndpoint coordinator(final String group) {
        final NodeEndpoint[] found = new NodeEndpoint[1];
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            final FindCoordinatorResponse r = client.call(ApiKey.FIND_COORDINATOR,
                FindCoordinatorRequest.newBuilder().setGroupId(group).build(), FindCoordinatorResponse.parser());
            found[0] = r.getError() == ErrorCode.NONE ? r.getCoordinator() : null;
            return found[0] != null;
        });
        return found[0];
    }

    /** A member that owns what it is told at once (revocation is instant). */
    private final class Member {
        private final String group;
        private String memberId = "";
        private int epoch;
        private List<TopicPartitions> owned = List.of();

        Member(final String group) {
            this.group = group;
        }

        /** @return true when the coordinator answered */
        boolean beat(final int memberEpoch) {
            final NodeEndpoint c = coordinator(group);
            final ConsumerGroupHeartbeatRequest req = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(group)
                .setMemberId(memberId).setMemberEpoch(memberEpoch).addSubscribedTopicNames("clicks")
                .setRebalanceTimeoutMs(30_000).addAllOwnedPartitions(owned).build();
            try (ClientResponse r = client.send(c.getHost() + ":" + c.getPort(), ApiKey.CONSUMER_GROUP_HEARTBEAT,
                req, null)) {
                final ConsumerGroupHeartbeatResponse res = r.body(ConsumerGroupHeartbeatResponse.parser());
                if (res.getError() == ErrorCode.UNKNOWN_MEMBER_ID || res.getError() == ErrorCode.FENCED_MEMBER_EPOCH) {
                    epoch = 0;
                    owned = List.of();
                    return false;
                }
                if (res.getError() != ErrorCode.NONE) {
                    return false;
                }
                memberId = res.getMemberId();
                epoch = res.getMemberEpoch();
                if (res.getHasAssignment()) {
                    owned = res.getAssignmentList();
                }
                return true;
            } catch (final Exception e) {
                return false;
            }
        }

        boolean beat() {
            return beat(epoch);
        }

        Set<Integer> partitions() {
            final Set<Integer> s = new HashSet<>();
            owned.forEach(tp -> s.addAll(tp.getPartitionsList()));
            return s;
        }
    }

    private static boolean splitEvenly(final List<Member> members, final int each) {
        final Set<Integer> all = new HashSet<>();
        for (final Member m : members) {
            if (m.partitions().size() != each) {
                return false;
            }
            all.addAll(m.partitions());
        }
        return all.size() == each * members.size();
    }

    @Test
    void shouldSplitPartitionsOverThreeMembersAndRebalanceWhenOneLeaves() {
        final List<Member> members = new ArrayList<>(List.of(new Member("g1"), new Member("g1"), new Member("g1")));
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            members.forEach(Member::beat);
            assertNoPartitionOwnedTwice(members);
            return splitEvenly(members, 2);
        });
        final Member leaving = members.remove(2);
        assertThat(leaving.beat(-1)).isTrue();
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            members.forEach(Member::beat);
            assertNoPartitionOwnedTwice(members);
            return splitEvenly(members, 3);
        });
    }

    private static void assertNoPartitionOwnedTwice(final List<Member> members) {
        final Set<Integer> seen = new HashSet<>();
        for (final Member m : members) {
            for (final int p : m.partitions()) {
                assertThat(seen.add(p)).as("partition %d owned by two members", p).isTrue();
            }
        }
    }

    @Test
    void shouldKeepCommittedOffsetsWhenTheCoordinatorsNodeIsLost() throws Exception {
        final NodeEndpoint coordinator = coordinator("g2");
        final OffsetCommitRequest.Builder commit = OffsetCommitRequest.newBuilder().setGroupId("g2")
            .setMemberEpoch(-1);
        for (int p = 0; p < 6; p++) {
            commit.addPartitions(OffsetCommitPartition.newBuilder().setTopic("clicks").setPartition(p)
                .setOffset(100 + p).setMetadata("m" + p));
        }
        try (ClientResponse r = client.send(coordinator.getHost() + ":" + coordinator.getPort(), ApiKey.OFFSET_COMMIT,
            commit.build(), null)) {
            final OffsetCommitResponse res = r.body(OffsetCommitResponse.parser());
            assertThat(res.getError()).as(res.getErrorMessage()).isEqualTo(ErrorCode.NONE);
            res.getResultsList().forEach(pr -> assertThat(pr.getError()).isEqualTo(ErrorCode.NONE));
        }

        cluster.kill(coordinator.getNodeId() - 1);

        final Map<Integer, Long> committed = new HashMap<>();
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(200)).until(() -> {
            final NodeEndpoint c = coordinator("g2");
            if (c.getNodeId() == coordinator.getNodeId()) {
                return false;
            }
            try (ClientResponse r = client.send(c.getHost() + ":" + c.getPort(), ApiKey.OFFSET_FETCH,
                OffsetFetchRequest.newBuilder().setGroupId("g2").build(), null)) {
                final OffsetFetchResponse res = r.body(OffsetFetchResponse.parser());
                if (res.getError() != ErrorCode.NONE) {
                    return false;
                }
                committed.clear();
                for (final OffsetFetchPartition p : res.getPartitionsList()) {
                    committed.put(p.getPartition(), p.getOffset());
                }
                return committed.size() == 6;
            }
        });
        for (int p = 0; p < 6; p++) {
            assertThat(committed).containsEntry(p, 100L + p);
        }
    }
}
