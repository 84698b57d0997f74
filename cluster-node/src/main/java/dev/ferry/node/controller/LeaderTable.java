package dev.ferry.node.controller;

import java.util.Map;

/**
 * Which node leads each partition, as nodes report in their heartbeats to the active controller (the reporter
 * with the highest Raft term wins). Kept in the controller's memory only, so {@link #id} changes with every
 * controller leadership and {@link #version} counts changes within one id. Immutable.
 *
 * @param id the table's lineage
 * @param version grows with every change in one lineage
 * @param leaders partition name (topic-N) to leader
 */
public record LeaderTable(String id, long version, Map<String, Leader> leaders) {
    /** No leaders known. */
    public static final LeaderTable EMPTY = new LeaderTable("", 0, Map.of());

    /** Copies the map. */
    public LeaderTable {
        leaders = Map.copyOf(leaders);
    }

    /**
     * A partition's leader.
     *
     * @param nodeId the node
     * @param term its Raft term
     */
    public record Leader(int nodeId, long term) {
    }

    /**
     * @param partition topic-N
     * @return the leader, or null
     */
    public Leader leader(final String partition) {
        return leaders.get(partition);
    }
}
