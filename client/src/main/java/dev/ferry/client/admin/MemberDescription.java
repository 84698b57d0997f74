package dev.ferry.client.admin;

import dev.ferry.client.TopicPartition;

import java.util.List;
import java.util.Set;

/**
 * One member of a consumer group.
 *
 * @param memberId the id the coordinator gave it
 * @param instanceId its static instance id, empty when none
 * @param clientId its client.id
 * @param clientHost the address it connects from
 * @param memberEpoch its epoch
 * @param subscribedTopics the topics it subscribes to
 * @param assignment the partitions it owns now
 * @param targetAssignment the partitions it will own once reconciliation finishes
 */
public record MemberDescription(String memberId, String instanceId, String clientId, String clientHost,
                                int memberEpoch, List<String> subscribedTopics, Set<TopicPartition> assignment,
                                Set<TopicPartition> targetAssignment) {
    /** Copies the collections. */
    public MemberDescription {
        subscribedTopics = List.copyOf(subscribedTopics);
        assignment = Set.copyOf(assignment);
        targetAssignment = Set.copyOf(targetAssignment);
    }
}
