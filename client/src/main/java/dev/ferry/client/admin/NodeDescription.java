package dev.ferry.client.admin;

/**
 * One node of the cluster.
 *
 * @param id the node id
 * @param host the client listener's host
 * @param port the client listener's port
 * @param rack the rack, empty when not set
 * @param state where the node is in its life
 * @param replicas partition replicas it holds
 * @param leaders partitions it leads, as it last reported
 * @param controllerVoter true when it votes in the metadata quorum
 */
public record NodeDescription(int id, String host, int port, String rack, NodeState state, int replicas,
                              int leaders, boolean controllerVoter) {
}
