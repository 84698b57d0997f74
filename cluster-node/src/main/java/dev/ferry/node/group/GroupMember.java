package dev.ferry.node.group;

import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One member of a consumer group as its coordinator tracks it. Not thread-safe: the coordinator's thread only.
 */
final class GroupMember {
    final String memberId;
    final String instanceId;
    final String clientId;
    final String clientHost;
    SortedSet<String> subscribedTopics = new TreeSet<>();
    int memberEpoch;
    int previousMemberEpoch = -1;
    /** What the member said it owns in its last heartbeat. */
    Set<TopicPartition> owned = new TreeSet<>();
    /** What the coordinator last told the member to own; it may hold these before its next heartbeat says so. */
    Set<TopicPartition> assigned = new TreeSet<>();
    long deadlineMs;
    /** How long the member may take to revoke partitions (KIP-848's rebalance timeout). */
    long rebalanceTimeoutMs;
    /** When the member must have revoked what it was told to, or Long.MAX_VALUE when it owes nothing. */
    long revocationDeadlineMs = Long.MAX_VALUE;

    GroupMember(final String memberId, final String instanceId, final String clientId, final String clientHost) {
        this.memberId = memberId;
        this.instanceId = instanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
    }

    /** @return true when the partition is or may be consumed by this member */
    boolean holds(final TopicPartition tp) {
        return owned.contains(tp) || assigned.contains(tp);
    }
}
