package dev.ferry.node.controller;

/**
 * What a node tells the controller when it starts. Adding a node to a cluster is nothing more: a node with a new
 * id registers, becomes ALIVE, and new partitions (and reassignments, decommissions) may use it; existing
 * partitions stay where they are until reassigned. Immutable.
 *
 * @param nodeId the node id (unique in the cluster)
 * @param host client host
 * @param port client port
 * @param rack the rack, empty when none
 * @param raftAddress host:port of the node's partition Raft server
 * @param incarnationId a fresh value at every process start
 */
public record NodeRegistration(int nodeId, String host, int port, String rack, String raftAddress,
                               String incarnationId) {
    /** Null rack becomes empty. */
    public NodeRegistration {
        rack = rack == null ? "" : rack;
    }
}
