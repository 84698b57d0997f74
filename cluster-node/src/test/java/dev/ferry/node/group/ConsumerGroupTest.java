package dev.ferry.node.group;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** Reconciliation rules of one group, without a cluster: the coordinator's thread calls exactly these. */
class ConsumerGroupTest {
    private final Map<String, Integer> counts = new HashMap<>(Map.of("t", 4));
    private final ConsumerGroup group = new ConsumerGroup("g");

    private GroupMember join(final String id) {
        final GroupMember m = new GroupMember(id, "", "client", "host");
        m.subscribedTopics = new TreeSet<>(Set.of("t"));
        group.add(m);
        return m;
    }

    /** One heartbeat that reports {@code owned}; returns what the member is told to own. */
    private Set<TopicPartition> beat(final GroupMember m, final Set<TopicPartition> owned) {
        m.owned = new TreeSet<>(owned);
        group.maybeAssign(t -> counts.getOrDefault(t, -1));
        group.reconcile(m);
        return m.assigned;
    }

    @Test
    void shouldGiveAPartitionOnlyAfterItsOwnerReportsItRevoked() {
        assertThat(group.state()).isEqualTo(GroupState.EMPTY);
        final GroupMember a = join("a");
        final Set<TopicPartition> all = beat(a, Set.of());
        assertThat(all).hasSize(4);
        beat(a, all);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);

        final GroupMember b = join("b");
        // b's target is half of a's partitions, but a still owns them: b gets nothing yet, at the new epoch.
        assertThat(beat(b, Set.of())).isEmpty();
        assertThat(b.memberEpoch).isEqualTo(group.groupEpoch());
        assertThat(group.state()).isEqualTo(GroupState.RECONCILING);
        // a is told to keep its target only; it still owns the rest until its next heartbeat, so its epoch waits.
        final Set<TopicPartition> aKeeps = beat(a, all);
        assertThat(aKeeps).hasSize(2);
        assertThat(a.memberEpoch).isLessThan(group.groupEpoch());
        assertThat(beat(b, Set.of())).isEmpty();
        // a reports the revocation: now b gets the released partitions.
        beat(a, aKeeps);
        assertThat(a.memberEpoch).isEqualTo(group.groupEpoch());
        final Set<TopicPartition> bGets = beat(b, Set.of());
        assertThat(bGets).hasSize(2).doesNotContainAnyElementsOf(aKeeps);
        beat(b, bGets);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
    }

    @Test
    void shouldReassignWhenATopicGainsPartitions() {
        final GroupMember a = join("a");
        final GroupMember b = join("b");
        beat(a, beat(a, Set.of()));
        beat(b, beat(b, Set.of()));
        beat(a, a.assigned);
        assertThat(group.state()).isEqualTo(GroupState.STABLE);
        final int epoch = group.groupEpoch();

        counts.put("t", 6);
        final Set<TopicPartition> aNow = beat(a, a.assigned);
        assertThat(group.groupEpoch()).isGreaterThan(epoch);
        assertThat(aNow).hasSize(3);
        assertThat(beat(b, b.assigned)).hasSize(3);
    }

    @Test
    void shouldDropAMemberAndItsTargetWhenItLeaves() {
        final GroupMember a = join("a");
        final GroupMember b = join("b");
        beat(a, beat(a, Set.of()));
        beat(b, beat(b, Set.of()));
        group.remove("b");
        assertThat(beat(a, a.assigned)).hasSize(4);
        assertThat(group.describe().getMembersCount()).isEqualTo(1);
    }
}
