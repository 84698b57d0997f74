package dev.ferry.node.group;

import dev.ferry.client.protocol.proto.GroupDescription;
import dev.ferry.client.protocol.proto.MemberDescription;
import dev.ferry.client.protocol.proto.TopicPartitions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * One consumer group on its coordinator: members, the group epoch, the target assignment and the incremental
 * reconciliation of KIP-848.
 *
 * <p>Any change of membership, subscriptions, assignor or partition counts bumps the group epoch, and the target
 * assignment is recomputed at once (so ASSIGNING is never observed between two calls). Each heartbeat then
 * reconciles its member: the member is told to own its target minus the partitions another member still holds
 * (owns by its last heartbeat, or was told to own), so no partition is ever given to two members; what it owns
 * outside its target it is told to revoke. Its member epoch advances to the target's epoch once it owns nothing
 * outside its target (KIP-848's rule: partitions still held by others follow under the new epoch as they are
 * released).
 *
 * <p>Not thread-safe: the coordinator's thread only.
 */
final class ConsumerGroup {
    final String groupId;
    final TreeMap<String, GroupMember> members = new TreeMap<>();
    private int groupEpoch;
    private int targetEpoch;
    private String assignor = StickyAssignor.NAME;
    private Map<String, Set<TopicPartition>> target = new HashMap<>();
    private Map<String, Integer> partitionCounts = Map.of();

    ConsumerGroup(final String groupId) {
        this.groupId = groupId;
    }

    int groupEpoch() {
        return groupEpoch;
    }

    String assignor() {
        return assignor;
    }

    Set<TopicPartition> target(final String memberId) {
        return target.getOrDefault(memberId, Set.of());
    }

    GroupState state() {
        if (members.isEmpty()) {
            return GroupState.EMPTY;
        }
        if (groupEpoch > targetEpoch) {
            return GroupState.ASSIGNING;
        }
        for (final GroupMember m : members.values()) {
            final Set<TopicPartition> t = target(m.memberId);
            if (m.memberEpoch != targetEpoch || !m.owned.equals(t) || !m.assigned.equals(t)) {
                return GroupState.RECONCILING;
            }
        }
        return GroupState.STABLE;
    }

    /** Sets the assignor for the next computation; bumps the epoch when it changes. */
    void assignor(final String name) {
        if (!name.equals(assignor)) {
            assignor = name;
            groupEpoch++;
        }
    }

    void add(final GroupMember member) {
        members.put(member.memberId, member);
        groupEpoch++;
    }

    void remove(final String memberId) {
        if (members.remove(memberId) != null) {
            target.remove(memberId);
            groupEpoch++;
        }
    }

    void subscribe(final GroupMember member, final SortedSet<String> topics) {
        if (!member.subscribedTopics.equals(topics)) {
            member.subscribedTopics = topics;
            groupEpoch++;
        }
    }

    /**
     * Recomputes the target when the group epoch moved or a subscribed topic's partition count changed.
     *
     * @param partitionCount the cluster's partition count of a topic, -1 when it does not exist
     */
    void maybeAssign(final ToIntFunction<String> partitionCount) {
        final Map<String, Integer> counts = new HashMap<>();
        for (final GroupMember m : members.values()) {
            for (final String topic : m.subscribedTopics) {
                final int n = partitionCount.applyAsInt(topic);
                if (n > 0) {
                    counts.put(topic, n);
                }
            }
        }
        if (!counts.equals(partitionCounts)) {
            partitionCounts = counts;
            if (groupEpoch == targetEpoch) {
                groupEpoch++;
            }
        }
        if (groupEpoch == targetEpoch) {
            return;
        }
        final SortedMap<String, SortedSet<String>> subscriptions = new TreeMap<>();
        members.forEach((id, m) -> subscriptions.put(id, m.subscribedTopics));
        final PartitionAssignor a = PartitionAssignor.forName(assignor);
        target = members.isEmpty() ? new HashMap<>() : a.assign(subscriptions, target, partitionCounts);
        targetEpoch = groupEpoch;
    }

    /**
     * Decides what the member owns now and its epoch, after its heartbeat updated {@code owned}.
     *
     * @param member the member that heartbeated
     */
    void reconcile(final GroupMember member) {
        final Set<TopicPartition> t = target(member.memberId);
        final Set<TopicPartition> next = new TreeSet<>();
        for (final TopicPartition tp : t) {
            if (!heldByOther(member, tp)) {
                next.add(tp);
            }
        }
        member.assigned = next;
        if (member.memberEpoch != targetEpoch && t.containsAll(member.owned)) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = targetEpoch;
        }
    }

    private boolean heldByOther(final GroupMember member, final TopicPartition tp) {
        for (final GroupMember other : members.values()) {
            if (other != member && other.holds(tp)) {
                return true;
            }
        }
        return false;
    }

    GroupDescription describe() {
        final GroupDescription.Builder b = GroupDescription.newBuilder().setGroupId(groupId)
            .setState(state().name()).setGroupEpoch(groupEpoch).setAssignor(assignor);
        for (final GroupMember m : members.values()) {
            b.addMembers(MemberDescription.newBuilder().setMemberId(m.memberId).setInstanceId(m.instanceId)
                .setClientId(m.clientId).setClientHost(m.clientHost).setMemberEpoch(m.memberEpoch)
                .addAllSubscribedTopicNames(m.subscribedTopics).addAllAssignment(toWire(m.assigned))
                .addAllTargetAssignment(toWire(target(m.memberId))));
        }
        return b.build();
    }

    /**
     * @param partitions partitions
     * @return them grouped by topic, topics and partitions sorted
     */
    static List<TopicPartitions> toWire(final Set<TopicPartition> partitions) {
        final TreeMap<String, TopicPartitions.Builder> byTopic = new TreeMap<>();
        for (final TopicPartition tp : new TreeSet<>(partitions)) {
            byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t))
                .addPartitions(tp.partition());
        }
        final List<TopicPartitions> out = new ArrayList<>();
        byTopic.values().forEach(b -> out.add(b.build()));
        return out;
    }

    /**
     * @param wire partitions as sent by a client
     * @return them as a set
     */
    static Set<TopicPartition> fromWire(final List<TopicPartitions> wire) {
        final Set<TopicPartition> out = new TreeSet<>();
        for (final TopicPartitions t : wire) {
            for (final int p : t.getPartitionsList()) {
                out.add(new TopicPartition(t.getTopic(), p));
            }
        }
        return out;
    }
}
