package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CREATE_TOPICS on any node: forwarded to the active controller, which validates (name, existence, partitions,
 * replication factor against alive nodes, configs) and places the replicas. Answers once the topics are in this
 * node's image (up to timeout_ms), so a client may produce through this node right after.
 */
public final class CreateTopicsHandler implements ApiHandler {
    private final ControllerClient controller;
    private final MetadataView view;

    /**
     * @param controller the controller client
     * @param view this node's metadata
     */
    public CreateTopicsHandler(final ControllerClient controller, final MetadataView view) {
        this.controller = controller;
        this.view = view;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final CreateTopicsRequest req = request.body(CreateTopicsRequest.parser());
        final List<String> names = req.getTopicsList().stream().map(TopicSpec::getName).toList();
        return controller.createTopics(req.getTopicsList(), req.getValidateOnly())
            .thenCompose(r -> AdminReplies.whenVisible(view, r, req.getValidateOnly() ? 0 : req.getTimeoutMs()))
            .handle((r, e) -> Response.of(CreateTopicsResponse.newBuilder()
                .addAllResults(e == null ? r.results() : AdminReplies.failAll(names, e)).build()));
    }
}
