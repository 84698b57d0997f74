package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.DecommissionNodeRequest;
import dev.ferry.client.protocol.proto.DecommissionNodeResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/**
 * DECOMMISSION_NODE on any node: the active controller marks the node DECOMMISSIONING, stops placing replicas on
 * it and sets targets moving each of its replicas elsewhere; the node is DECOMMISSIONED (DescribeCluster) once
 * the moves complete. Repeating the request is harmless.
 */
public final class DecommissionNodeHandler implements ApiHandler {
    private final ControllerClient controller;

    /**
     * @param controller the controller client
     */
    public DecommissionNodeHandler(final ControllerClient controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final DecommissionNodeRequest req = request.body(DecommissionNodeRequest.parser());
        return controller.decommission(req.getNodeId()).handle((r, e) -> Response.of(e == null
            ? DecommissionNodeResponse.newBuilder().setError(ErrorCode.NONE).setReplicasMoving((int) r.value()).build()
            : DecommissionNodeResponse.newBuilder().setError(AdminReplies.code(e))
                .setErrorMessage(dev.ferry.node.controller.ControllerException.of(e).getMessage()).build()));
    }
}
