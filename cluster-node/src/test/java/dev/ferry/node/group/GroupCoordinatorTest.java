package dev.ferry.node.group;

import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.DeleteGroupsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.GroupDescription;
import dev.ferry.client.protocol.proto.GroupListing;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.OffsetFetchPartition;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.client.protocol.proto.OffsetFetchResponse;
import dev.ferry.replication.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Consumer groups on a real 3-node Raft cluster hosting {@code __consumer_offsets}: incremental reconciliation,
 * fencing, offsets that survive a coordinator move, epoch checks on commits, deletion.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GroupCoordinatorTest {
    private static final String TOPIC = "orders";

    @TempDir
    Path tmp;

    private GroupTestCluster cluster;

    @AfterEach
    void close() throws IOException {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void start(final int sessionTimeoutMs) throws IOException {
        cluster = new GroupTestCluster(tmp, new GroupConfig(3, sessionTimeoutMs, 100));
        cluster.view.partitionCounts.put(TOPIC, 6);
    }

    private GroupCoordinator coordinatorOf(final String group) {
        return cluster.coordinator(cluster.awaitCoordinatorIndex(group));
    }

    /** Heartbeats every member in turn until the condition holds, checking exclusive ownership after each one. */
    private void heartbeatUntil(final String group, final List<GroupTestCluster.Member> members,
                                final java.util.function.Predicate<GroupDescription> done) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            final GroupCoordinator c = coordinatorOf(group);
            for (final GroupTestCluster.Member m : members) {
                m.heartbeat(c);
                assertNoPartitionOwnedTwice(members);
            }
            return done.test(c.describeGroup(group).get(10, TimeUnit.SECONDS));
        });
    }

    private static void assertNoPartitionOwnedTwice(final List<GroupTestCluster.Member> members) {
        final Set<TopicPartition> seen = new HashSet<>();
        for (final GroupTestCluster.Member m : members) {
            for (final TopicPartition tp : m.owned) {
                assertThat(seen.add(tp)).as("%s owned by two members at once", tp).isTrue();
            }
        }
    }

    private static boolean stableWith(final GroupDescription d, final int members, final int eachOwns) {
        return GroupState.STABLE.name().equals(d.getState()) && d.getMembersCount() == members
            && d.getMembersList().stream().allMatch(m -> m.getAssignmentList().stream()
            .mapToInt(t -> t.getPartitionsCount()).sum() == eachOwns);
    }

    @Test
    void shouldSplitPartitionsIncrementallyAndRebalanceWhenAMemberLeaves() throws Exception {
        start(10_000);
        final String group = "g-split";
        final GroupTestCluster.Member a = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(a), d -> stableWith(d, 1, 6));
        assertThat(a.owned).hasSize(6);

        // Two more join while a owns everything: a must give partitions up before they are handed out.
        final GroupTestCluster.Member b = new GroupTestCluster.Member(group, List.of(TOPIC));
        final GroupTestCluster.Member c = new GroupTestCluster.Member(group, List.of(TOPIC));
        final List<GroupTestCluster.Member> all = List.of(a, b, c);
        heartbeatUntil(group, all, d -> stableWith(d, 3, 2));
        final Set<TopicPartition> union = new TreeSet<>();
        all.forEach(m -> {
            assertThat(m.owned).hasSize(2);
            union.addAll(m.owned);
        });
        assertThat(union).hasSize(6);
        final int stableEpoch = coordinatorOf(group).describeGroup(group).get().getGroupEpoch();
        all.forEach(m -> assertThat(m.epoch).isEqualTo(stableEpoch));

        final Set<TopicPartition> aBefore = new TreeSet<>(a.owned);
        final Set<TopicPartition> bBefore = new TreeSet<>(b.owned);
        assertThat(c.leave(coordinatorOf(group)).getError()).isEqualTo(ErrorCode.NONE);
        heartbeatUntil(group, List.of(a, b), d -> stableWith(d, 2, 3));
        // Sticky: the two that stay keep what they had and split the leaver's partitions.
        assertThat(a.owned).containsAll(aBefore).hasSize(3);
        assertThat(b.owned).containsAll(bBefore).hasSize(3);
    }

    @Test
    void shouldFenceAMemberThatStopsHeartbeating() throws Exception {
        start(1_500);
        final String group = "g-fence";
        final GroupTestCluster.Member live = new GroupTestCluster.Member(group, List.of(TOPIC));
        final GroupTestCluster.Member silent = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(live, silent), d -> stableWith(d, 2, 3));

        // Only one member heartbeats now; the other is fenced after the session timeout and its partitions move.
        heartbeatUntil(group, List.of(live), d -> stableWith(d, 1, 6));
        assertThat(live.owned).hasSize(6);
        final ConsumerGroupHeartbeatResponse late = silent.heartbeat(coordinatorOf(group));
        assertThat(late.getError()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
    }

    @Test
    void shouldFenceAMemberThatDoesNotRevokeWithinTheRebalanceTimeout() throws Exception {
        start(1_500);
        final String group = "g-stubborn";
        final GroupTestCluster.Member stubborn = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(stubborn), d -> stableWith(d, 1, 6));
        stubborn.neverRevokes = true;

        // The newcomer gets nothing while the stubborn member holds everything, though both heartbeat; then the
        // stubborn one is fenced (rebalance timeout = session timeout here) and the newcomer gets all.
        final GroupTestCluster.Member newcomer = new GroupTestCluster.Member(group, List.of(TOPIC));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            final GroupCoordinator c = coordinatorOf(group);
            // Newcomer first: a stubborn member still in the group after the newcomer's answer was in it when
            // that answer was made. The other order failed when the fence fell between the two heartbeats.
            newcomer.heartbeat(c);
            stubborn.heartbeat(c);
            if (stubborn.lastError == ErrorCode.NONE) {
                assertThat(newcomer.owned).doesNotContainAnyElementsOf(stubborn.owned);
            }
            return stubborn.lastError == ErrorCode.UNKNOWN_MEMBER_ID && newcomer.owned.size() == 6;
        });
    }

    @Test
    void shouldKeepCommittedOffsetsWhenTheCoordinatorMovesOrItsNodeStops() throws Exception {
        start(10_000);
        final String group = "g-offsets";
        final int first = cluster.awaitCoordinatorIndex(group);
        final Map<Integer, Long> committed = Map.of(0, 10L, 1, 11L, 2, 12L, 3, 13L, 4, 14L, 5, 15L);
        final OffsetCommitResponse ok = commitUntilAccepted(group, "", -1, committed);
        assertThat(ok.getResultsList()).allMatch(r -> r.getError() == ErrorCode.NONE).hasSize(6);
        assertThat(fetch(cluster.coordinator(first), group)).isEqualTo(committed);
        // A second commit of one partition: the latest record per key wins on replay.
        commitUntilAccepted(group, "", -1, Map.of(2, 120L));
        final Map<Integer, Long> expected = new HashMap<>(committed);
        expected.put(2, 120L);

        // Move the leadership: the old node stops answering for the group, the new one loads the offsets.
        final PartitionId p = cluster.coordinator(first).offsetsPartition(group);
        final int target = (first + 1) % GroupTestCluster.NODES;
        cluster.host(first).transferLeadership(p, Integer.toString(GroupTestCluster.nodeId(target)), 10_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.awaitCoordinatorIndex(group) != first);
        final int second = cluster.awaitCoordinatorIndex(group);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            final OffsetFetchResponse stale = cluster.coordinator(first).fetchOffsets(fetchAll(group)).get();
            assertThat(stale.getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
        });
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(fetch(cluster.coordinator(second), group)).isEqualTo(expected));

        // Stop the coordinator's node: a surviving node leads, loads, and returns the same offsets.
        cluster.stop(second);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
            assertThat(fetch(coordinatorOf(group), group)).isEqualTo(expected));
    }

    @Test
    void shouldFenceCommitsWithAStaleMemberEpochAndRefuseOutsideCommitsToAnActiveGroup() throws Exception {
        start(10_000);
        final String group = "g-epochs";
        final GroupTestCluster.Member m = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(m), d -> stableWith(d, 1, 6));
        final GroupCoordinator c = coordinatorOf(group);

        assertThat(commit(c, group, m.memberId, m.epoch, Map.of(0, 5L)).getError()).isEqualTo(ErrorCode.NONE);
        final OffsetCommitResponse stale = commit(c, group, m.memberId, m.epoch - 1, Map.of(0, 6L));
        assertThat(stale.getError()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(stale.getResults(0).getError()).isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);
        assertThat(commit(c, group, "nobody", m.epoch, Map.of(0, 6L)).getError())
            .isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
        assertThat(commit(c, group, "", -1, Map.of(0, 6L)).getError()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        final OffsetCommitResponse invalid = commit(c, group, m.memberId, m.epoch, Map.of(6, 1L));
        assertThat(invalid.getResults(0).getError()).isEqualTo(ErrorCode.UNKNOWN_PARTITION);
        assertThat(fetch(c, group)).isEqualTo(Map.of(0, 5L));

        // A later group epoch fences the old one: a new member joins, the first member's epoch moves on.
        final int oldEpoch = m.epoch;
        final GroupTestCluster.Member n = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(m, n), d -> stableWith(d, 2, 3));
        assertThat(m.epoch).isGreaterThan(oldEpoch);
        assertThat(commit(c, group, m.memberId, oldEpoch, Map.of(0, 7L)).getError())
            .isEqualTo(ErrorCode.FENCED_MEMBER_EPOCH);

        // Once everyone has left, commits from outside the group (standalone consumers, resets) are accepted.
        m.leave(c);
        n.leave(c);
        assertThat(commit(c, group, "", -1, Map.of(0, 8L)).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fetch(c, group)).isEqualTo(Map.of(0, 8L));
    }

    @Test
    void shouldDeleteOnlyEmptyGroupsAndKeepThemDeletedAfterACoordinatorMove() throws Exception {
        start(10_000);
        final String group = "g-delete";
        final GroupTestCluster.Member m = new GroupTestCluster.Member(group, List.of(TOPIC));
        heartbeatUntil(group, List.of(m), d -> stableWith(d, 1, 6));
        final int index = cluster.awaitCoordinatorIndex(group);
        final GroupCoordinator c = cluster.coordinator(index);
        assertThat(commit(c, group, m.memberId, m.epoch, Map.of(0, 5L, 1, 6L)).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(c.listGroups().get()).contains(listing(group, GroupState.STABLE));

        assertThat(c.deleteGroup(group).get().getError()).isEqualTo(ErrorCode.NON_EMPTY_GROUP);
        m.leave(c);
        assertThat(c.listGroups().get()).contains(listing(group, GroupState.EMPTY));
        final DeleteGroupsResult deleted = c.deleteGroup(group).get(10, TimeUnit.SECONDS);
        assertThat(deleted.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(fetch(c, group)).isEmpty();
        assertThat(c.describeGroup(group).get().getError()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(c.deleteGroup(group).get().getError()).isEqualTo(ErrorCode.GROUP_ID_NOT_FOUND);
        assertThat(c.listGroups().get()).extracting(GroupListing::getGroupId).doesNotContain(group);

        // The tombstones are in the log: a new coordinator does not bring the offsets back.
        final PartitionId p = c.offsetsPartition(group);
        final int target = (index + 1) % GroupTestCluster.NODES;
        cluster.host(index).transferLeadership(p, Integer.toString(GroupTestCluster.nodeId(target)), 10_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.awaitCoordinatorIndex(group) != index);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            final OffsetFetchResponse r = coordinatorOf(group).fetchOffsets(fetchAll(group)).get();
            assertThat(r.getError()).isEqualTo(ErrorCode.NONE);
            assertThat(r.getPartitionsList()).isEmpty();
        });
    }

    @Test
    void shouldAnswerNotCoordinatorOnNodesThatDoNotLeadTheGroupsPartition() throws Exception {
        start(10_000);
        final String group = "g-elsewhere";
        final int index = cluster.awaitCoordinatorIndex(group);
        final GroupCoordinator other = cluster.coordinator((index + 1) % GroupTestCluster.NODES);
        final GroupTestCluster.Member m = new GroupTestCluster.Member(group, List.of(TOPIC));
        assertThat(m.heartbeat(other).getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
        assertThat(commit(other, group, "", -1, Map.of(0, 1L)).getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
        assertThat(other.fetchOffsets(fetchAll(group)).get().getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
        assertThat(other.deleteGroup(group).get().getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
        assertThat(other.describeGroup(group).get().getError()).isEqualTo(ErrorCode.NOT_COORDINATOR);
    }

    private static GroupListing listing(final String group, final GroupState state) {
        return GroupListing.newBuilder().setGroupId(group).setState(state.name()).build();
    }

    private OffsetCommitResponse commitUntilAccepted(final String group, final String memberId, final int epoch,
                                                     final Map<Integer, Long> offsets) {
        final OffsetCommitResponse[] out = new OffsetCommitResponse[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            out[0] = commit(coordinatorOf(group), group, memberId, epoch, offsets);
            return out[0].getError() == ErrorCode.NONE;
        });
        return out[0];
    }

    private static OffsetCommitResponse commit(final GroupCoordinator c, final String group, final String memberId,
                                               final int epoch, final Map<Integer, Long> offsets) throws Exception {
        final OffsetCommitRequest.Builder req = OffsetCommitRequest.newBuilder().setGroupId(group)
            .setMemberId(memberId).setMemberEpoch(epoch);
        offsets.forEach((p, o) -> req.addPartitions(OffsetCommitPartition.newBuilder().setTopic(TOPIC).setPartition(p)
            .setOffset(o).setMetadata("m" + o)));
        return c.commitOffsets(req.build()).get(10, TimeUnit.SECONDS);
    }

    private static OffsetFetchRequest fetchAll(final String group) {
        return OffsetFetchRequest.newBuilder().setGroupId(group).build();
    }

    private static Map<Integer, Long> fetch(final GroupCoordinator c, final String group) throws Exception {
        final OffsetFetchResponse r = c.fetchOffsets(fetchAll(group)).get(10, TimeUnit.SECONDS);
        assertThat(r.getError()).as(r.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        final Map<Integer, Long> out = new HashMap<>();
        for (final OffsetFetchPartition p : r.getPartitionsList()) {
            assertThat(p.getMetadata()).isEqualTo("m" + p.getOffset());
            out.put(p.getPartition(), p.getOffset());
        }
        return out;
    }
}
