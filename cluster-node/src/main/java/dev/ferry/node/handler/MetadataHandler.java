package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.MetadataRequest;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.node.controller.LeaderTable;
import dev.ferry.node.controller.MetadataImage;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.controller.NodeInfo;
import dev.ferry.node.controller.NodeState;
import dev.ferry.node.controller.PartitionInfo;
import dev.ferry.node.controller.TopicInfo;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * METADATA from this node's image: live nodes (ALIVE and DECOMMISSIONING; they still serve), topics with each
 * partition's replicas, reassignment progress (adding/removing replicas) and leader. Leaders come from a
 * {@link LeaderLookup}: by default the controller's leader table (what leaders last reported, one heartbeat old);
 * the node may pass one that answers from its own Raft state for the partitions it hosts. Answers at once, on the
 * event loop.
 */
public final class MetadataHandler implements ApiHandler {
    /** Where a partition's leader is looked up. Must not block. */
    @FunctionalInterface
    public interface LeaderLookup {
        /**
         * @param partition a partition
         * @return its leader and term, or null when unknown
         */
        LeaderTable.Leader leader(PartitionId partition);
    }

    private final MetadataView view;
    private final LeaderLookup leaders;

    /**
     * Leaders from the controller's leader table.
     *
     * @param view this node's metadata
     */
    public MetadataHandler(final MetadataView view) {
        this(view, p -> view.leaders().leader(p.name()));
    }

    /**
     * @param view this node's metadata
     * @param leaders where leaders are looked up
     */
    public MetadataHandler(final MetadataView view, final LeaderLookup leaders) {
        this.view = view;
        this.leaders = leaders;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final MetadataRequest req = request.body(MetadataRequest.parser());
        final MetadataImage image = view.image();
        final MetadataResponse.Builder out = MetadataResponse.newBuilder().setClusterId(image.clusterId())
            .setControllerId(view.controllerId()).setMetadataEpoch(image.epoch());
        for (final NodeInfo n : image.nodes().values()) {
            if (n.state() == NodeState.ALIVE || n.state() == NodeState.DECOMMISSIONING) {
                out.addNodes(NodeEndpoint.newBuilder().setNodeId(n.id()).setHost(n.host()).setPort(n.port())
                    .setRack(n.rack()));
            }
        }
        final Collection<String> names = req.getTopicsCount() == 0 && req.getAllTopics()
            ? image.topics().keySet() : req.getTopicsList();
        for (final String name : names) {
            out.addTopics(topic(image, name));
        }
        return CompletableFuture.completedFuture(Response.of(out.build()));
    }

    private TopicMetadata topic(final MetadataImage image, final String name) {
        final TopicInfo t = image.topic(name);
        final TopicMetadata.Builder tm = TopicMetadata.newBuilder().setName(name)
            .setInternal(InternalTopics.isInternal(name));
        if (t == null) {
            return tm.setError(ErrorCode.UNKNOWN_TOPIC).setErrorMessage("topic " + name + " does not exist").build();
        }
        tm.setError(ErrorCode.NONE);
        for (final PartitionInfo p : t.partitions()) {
            final LeaderTable.Leader leader = leaders.leader(new PartitionId(name, p.partition()));
            final PartitionMetadata.Builder pm = PartitionMetadata.newBuilder().setPartition(p.partition())
                .setError(leader == null ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE)
                .setLeaderId(leader == null ? -1 : leader.nodeId()).setLeaderTerm(leader == null ? 0 : leader.term())
                .addAllReplicas(p.replicas()).addAllInSyncReplicas(p.replicas());
            if (p.reassigning()) {
                pm.addAllAddingReplicas(minus(p.targetReplicas(), p.replicas()))
                    .addAllRemovingReplicas(minus(p.replicas(), p.targetReplicas()));
            }
            tm.addPartitions(pm);
        }
        return tm.build();
    }

    private static List<Integer> minus(final List<Integer> a, final List<Integer> b) {
        final List<Integer> out = new ArrayList<>(a);
        out.removeAll(b);
        return out;
    }
}
