package dev.ferry.client.network;

import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a client knows of the cluster: nodes, and for each topic its partitions with leader, replicas and
 * in-sync replicas, from the last Metadata response. Immutable; a refresh makes a new one, and newer topic
 * information replaces older per topic.
 */
public final class ClusterMetadata {
    /** Knows nothing yet. */
    public static final ClusterMetadata EMPTY = new ClusterMetadata(Map.of(), Map.of(), -1, "");

    private final Map<Integer, NodeEndpoint> nodes;
    private final Map<String, TopicMetadata> topics;
    private final int controllerId;
    private final String clusterId;

    private ClusterMetadata(final Map<Integer, NodeEndpoint> nodes, final Map<String, TopicMetadata> topics,
                            final int controllerId, final String clusterId) {
        this.nodes = nodes;
        this.topics = topics;
        this.controllerId = controllerId;
        this.clusterId = clusterId;
    }

    /**
     * @param response a Metadata response
     * @return this metadata updated with it: its nodes replace the old, its topics replace those of the same name
     */
    public ClusterMetadata merge(final MetadataResponse response) {
        final Map<Integer, NodeEndpoint> n = new HashMap<>();
        response.getNodesList().forEach(e -> n.put(e.getNodeId(), e));
        final Map<String, TopicMetadata> t = new HashMap<>(topics);
        response.getTopicsList().forEach(topic -> t.put(topic.getName(), topic));
        return new ClusterMetadata(Collections.unmodifiableMap(n.isEmpty() ? nodes : n),
            Collections.unmodifiableMap(t), response.getControllerId(), response.getClusterId());
    }

    /**
     * A leader learned from a NOT_LEADER answer (the node that refused knows the new leader from its own Raft
     * view), so the next send goes there without waiting for a metadata refresh, as Kafka's clients do since
     * KIP-951. A refresh later replaces it like any other information.
     *
     * @param topic a known topic
     * @param partition one of its partitions
     * @param leader the leader the refusing node named
     * @return this metadata with that partition's leader replaced (and the node's address added if new); this
     *         when the partition is unknown or already has that leader
     */
    public ClusterMetadata withLeader(final String topic, final int partition, final NodeEndpoint leader) {
        final TopicMetadata t = topics.get(topic);
        final PartitionMetadata p = partition(topic, partition);
        if (t == null || p == null || p.getLeaderId() == leader.getNodeId() && nodes.containsKey(leader.getNodeId())) {
            return this;
        }
        final TopicMetadata.Builder b = t.toBuilder();
        for (int i = 0; i < b.getPartitionsCount(); i++) {
            if (b.getPartitions(i).getPartition() == partition) {
                b.setPartitions(i, b.getPartitions(i).toBuilder().setLeaderId(leader.getNodeId()));
            }
        }
        final Map<String, TopicMetadata> ts = new HashMap<>(topics);
        ts.put(topic, b.build());
        final Map<Integer, NodeEndpoint> ns = new HashMap<>(nodes);
        ns.putIfAbsent(leader.getNodeId(), leader);
        return new ClusterMetadata(Collections.unmodifiableMap(ns), Collections.unmodifiableMap(ts), controllerId,
            clusterId);
    }

    /** @return every known node by id */
    public Map<Integer, NodeEndpoint> nodes() {
        return nodes;
    }

    /**
     * @param nodeId a node id
     * @return its endpoint, or null
     */
    public NodeEndpoint node(final int nodeId) {
        return nodes.get(nodeId);
    }

    /**
     * @param topic a topic
     * @return its metadata as last seen, or null (never asked for, or unknown)
     */
    public TopicMetadata topic(final String topic) {
        return topics.get(topic);
    }

    /**
     * @param topic a topic
     * @return its partition count, or -1 when not known
     */
    public int partitionCount(final String topic) {
        final TopicMetadata t = topics.get(topic);
        return t == null || t.getPartitionsCount() == 0 ? -1 : t.getPartitionsCount();
    }

    /**
     * @param topic a topic
     * @param partition a partition
     * @return the partition's metadata, or null
     */
    public PartitionMetadata partition(final String topic, final int partition) {
        final TopicMetadata t = topics.get(topic);
        if (t == null) {
            return null;
        }
        for (final PartitionMetadata p : t.getPartitionsList()) {
            if (p.getPartition() == partition) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param topic a topic
     * @param partition a partition
     * @return the leader's node id, or -1 when unknown
     */
    public int leader(final String topic, final int partition) {
        final PartitionMetadata p = partition(topic, partition);
        return p == null ? -1 : p.getLeaderId();
    }

    /**
     * @param topic a topic
     * @param partition a partition
     * @return its replicas, preferred leader first; empty when unknown
     */
    public List<Integer> replicas(final String topic, final int partition) {
        final PartitionMetadata p = partition(topic, partition);
        return p == null ? List.of() : p.getReplicasList();
    }

    /** @return the active controller's id, -1 when unknown */
    public int controllerId() {
        return controllerId;
    }

    /** @return the cluster id, empty when unknown */
    public String clusterId() {
        return clusterId;
    }
}
