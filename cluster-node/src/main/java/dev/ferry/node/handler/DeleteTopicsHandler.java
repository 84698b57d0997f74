package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.DeleteTopicsRequest;
import dev.ferry.client.protocol.proto.DeleteTopicsResponse;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/**
 * DELETE_TOPICS on any node: forwarded to the active controller (internal topics cannot be deleted); answers once
 * the deletion is in this node's image (up to timeout_ms). Each node's reconciler then removes its replicas.
 */
public final class DeleteTopicsHandler implements ApiHandler {
    private final ControllerClient controller;
    private final MetadataView view;

    /**
     * @param controller the controller client
     * @param view this node's metadata
     */
    public DeleteTopicsHandler(final ControllerClient controller, final MetadataView view) {
        this.controller = controller;
        this.view = view;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final DeleteTopicsRequest req = request.body(DeleteTopicsRequest.parser());
        return controller.deleteTopics(req.getTopicsList())
            .thenCompose(r -> AdminReplies.whenVisible(view, r, req.getTimeoutMs()))
            .handle((r, e) -> Response.of(DeleteTopicsResponse.newBuilder()
                .addAllResults(e == null ? r.results() : AdminReplies.failAll(req.getTopicsList(), e)).build()));
    }
}
