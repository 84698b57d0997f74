package dev.ferry.node.cluster;

import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.replication.PartitionId;

import java.util.List;

/**
 * What this node knows of the cluster from its copy of the metadata: nodes and where partitions live. Request
 * handlers use it for errors that point the client elsewhere (NOT_LEADER with the leader's address) and to tell
 * an unknown topic from a partition that is merely not hosted here.
 *
 * <p>Implemented over the metadata image; thread-safe, lock-free reads of the latest image.
 */
public interface ClusterView {

    /**
     * @param nodeId a node id
     * @return the node's client endpoint, or null when no such node is registered
     */
    NodeEndpoint endpoint(int nodeId);

    /**
     * @param topic a topic
     * @return its number of partitions, or -1 when the topic does not exist
     */
    int partitionCount(String topic);

    /**
     * @param partition a partition
     * @return its assigned replicas, preferred leader first; empty when unknown
     */
    List<Integer> replicas(PartitionId partition);

    /**
     * @param partition a partition
     * @return the node this node believes leads it, or -1 when unknown
     */
    int leader(PartitionId partition);
}
