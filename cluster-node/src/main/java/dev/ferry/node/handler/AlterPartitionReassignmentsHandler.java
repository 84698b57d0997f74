package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsRequest;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsResponse;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ALTER_PARTITION_REASSIGNMENTS on any node: the active controller records each partition's target replicas
 * (an empty list cancels one in progress); each partition's leader then moves the replicas by Raft membership
 * change and completes the reassignment. Answers once the targets are recorded, not when the move is done.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler {
    private final ControllerClient controller;

    /**
     * @param controller the controller client
     */
    public AlterPartitionReassignmentsHandler(final ControllerClient controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final AlterPartitionReassignmentsRequest req = request.body(AlterPartitionReassignmentsRequest.parser());
        final List<String> names = req.getReassignmentsList().stream()
            .map(r -> r.getTopic() + "-" + r.getPartition()).toList();
        return controller.reassign(req.getReassignmentsList()).handle((r, e) -> Response.of(
            AlterPartitionReassignmentsResponse.newBuilder()
                .addAllResults(e == null ? r.results() : AdminReplies.failAll(names, e)).build()));
    }
}
