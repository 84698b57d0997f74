package dev.ferry.node.controller;

/**
 * A registered node as the metadata image holds it. Immutable.
 *
 * @param id the node id
 * @param host client host
 * @param port client port
 * @param rack the rack, empty when none is declared
 * @param raftAddress host:port of the node's partition Raft server
 * @param incarnationId changes at every start of the node
 * @param state liveness and decommissioning state
 */
public record NodeInfo(int id, String host, int port, String rack, String raftAddress, String incarnationId,
                       NodeState state) {

    /**
     * @param newState a state
     * @return this node in that state
     */
    public NodeInfo withState(final NodeState newState) {
        return new NodeInfo(id, host, port, rack, raftAddress, incarnationId, newState);
    }

    /** @return true when new replicas may be placed on the node */
    public boolean placeable() {
        return state == NodeState.ALIVE;
    }
}
