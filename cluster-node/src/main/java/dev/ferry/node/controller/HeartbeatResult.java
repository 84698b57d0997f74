package dev.ferry.node.controller;

/**
 * The active controller's answer to a heartbeat. Immutable.
 *
 * @param image the latest image, or null when the node's is current
 * @param leaders the latest leader table, or null when the node's is current
 * @param controllerId the active controller's node id
 */
public record HeartbeatResult(MetadataImage image, LeaderTable leaders, int controllerId) {
}
