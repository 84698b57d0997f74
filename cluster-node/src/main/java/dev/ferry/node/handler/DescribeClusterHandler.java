package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.DescribeClusterRequest;
import dev.ferry.client.protocol.proto.DescribeClusterResponse;
import dev.ferry.client.protocol.proto.NodeDescription;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.NodeState;
import dev.ferry.node.controller.LeaderTable;
import dev.ferry.node.controller.MetadataImage;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.controller.NodeInfo;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DESCRIBE_CLUSTER from this node's image: every registered node with its state, replica count and the
 * leaderships it reported, the controller voters, the active controller and the metadata epoch. Heartbeat ages
 * are known to the active controller only, so they are -1 here. Answers at once, on the event loop.
 */
public final class DescribeClusterHandler implements ApiHandler {
    private final MetadataView view;
    private final Set<Integer> voters;

    /**
     * @param view this node's metadata
     * @param voters ids of the controller voters
     */
    public DescribeClusterHandler(final MetadataView view, final Set<Integer> voters) {
        this.view = view;
        this.voters = Set.copyOf(voters);
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        request.body(DescribeClusterRequest.parser());
        final MetadataImage image = view.image();
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (final LeaderTable.Leader l : view.leaders().leaders().values()) {
            leaders.merge(l.nodeId(), 1, Integer::sum);
        }
        final DescribeClusterResponse.Builder out = DescribeClusterResponse.newBuilder()
            .setClusterId(image.clusterId()).setControllerId(view.controllerId()).setMetadataEpoch(image.epoch());
        for (final NodeInfo n : image.nodes().values()) {
            out.addNodes(NodeDescription.newBuilder()
                .setEndpoint(NodeEndpoint.newBuilder().setNodeId(n.id()).setHost(n.host()).setPort(n.port())
                    .setRack(n.rack()))
                .setState(NodeState.valueOf(n.state().name()))
                .setLastHeartbeatMsAgo(-1)
                .setReplicas(image.replicaCount(n.id()))
                .setLeaders(leaders.getOrDefault(n.id(), 0))
                .setControllerVoter(voters.contains(n.id())));
        }
        return CompletableFuture.completedFuture(Response.of(out.build()));
    }
}
