package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.replication.PartitionId;

import java.util.List;

/**
 * {@link ClusterView} over this node's {@link MetadataView}: endpoints and assignments from the latest image,
 * leaders from the controller's leader table (what the partitions' leaders last reported). Lock-free,
 * thread-safe.
 */
public final class MetadataClusterView implements ClusterView {
    private final MetadataView view;

    /**
     * @param view this node's metadata
     */
    public MetadataClusterView(final MetadataView view) {
        this.view = view;
    }

    @Override
    public NodeEndpoint endpoint(final int nodeId) {
        final NodeInfo n = view.image().node(nodeId);
        return n == null ? null : NodeEndpoint.newBuilder().setNodeId(n.id()).setHost(n.host()).setPort(n.port())
            .setRack(n.rack()).build();
    }

    @Override
    public int partitionCount(final String topic) {
        final TopicInfo t = view.image().topic(topic);
        return t == null ? -1 : t.partitions().size();
    }

    @Override
    public List<Integer> replicas(final PartitionId partition) {
        final TopicInfo t = view.image().topic(partition.topic());
        final PartitionInfo p = t == null ? null : t.partition(partition.partition());
        return p == null ? List.of() : p.replicas();
    }

    @Override
    public int leader(final PartitionId partition) {
        final LeaderTable.Leader l = view.leaders().leader(partition.name());
        return l == null ? -1 : l.nodeId();
    }
}
