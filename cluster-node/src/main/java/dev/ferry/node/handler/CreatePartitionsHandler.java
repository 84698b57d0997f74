package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.CreatePartitionsRequest;
import dev.ferry.client.protocol.proto.CreatePartitionsResponse;
import dev.ferry.client.protocol.proto.CreatePartitionsTopic;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * CREATE_PARTITIONS on any node: forwarded to the active controller (only growth; new partitions get the topic's
 * replication factor, placed evenly); answers once the partitions are in this node's image (up to timeout_ms).
 */
public final class CreatePartitionsHandler implements ApiHandler {
    private final ControllerClient controller;
    private final MetadataView view;

    /**
     * @param controller the controller client
     * @param view this node's metadata
     */
    public CreatePartitionsHandler(final ControllerClient controller, final MetadataView view) {
        this.controller = controller;
        this.view = view;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final CreatePartitionsRequest req = request.body(CreatePartitionsRequest.parser());
        final List<String> names = req.getTopicsList().stream().map(CreatePartitionsTopic::getName).toList();
        return controller.createPartitions(req.getTopicsList(), req.getValidateOnly())
            .thenCompose(r -> AdminReplies.whenVisible(view, r, req.getValidateOnly() ? 0 : req.getTimeoutMs()))
            .handle((r, e) -> Response.of(CreatePartitionsResponse.newBuilder()
                .addAllResults(e == null ? r.results() : AdminReplies.failAll(names, e)).build()));
    }
}
