package dev.ferry.client.admin;

/**
 * A consumer group as listed by its coordinator.
 *
 * @param groupId the group
 * @param state EMPTY, ASSIGNING, RECONCILING, STABLE or DEAD
 */
public record GroupListing(String groupId, String state) {
}
