package dev.ferry.client.admin;

import java.util.List;

/**
 * The cluster as one node's metadata image describes it.
 *
 * @param clusterId the cluster id
 * @param controllerId the active controller's node id, -1 when none is known
 * @param nodes every registered node, by id
 * @param metadataEpoch grows with every metadata change
 */
public record ClusterDescription(String clusterId, int controllerId, List<NodeDescription> nodes,
                                 long metadataEpoch) {
    /** Copies the list. */
    public ClusterDescription {
        nodes = List.copyOf(nodes);
    }

    /**
     * @param id a node id
     * @return that node, or null
     */
    public NodeDescription node(final int id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst().orElse(null);
    }
}
