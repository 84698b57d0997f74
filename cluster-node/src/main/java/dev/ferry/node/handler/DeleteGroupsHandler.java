package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.DeleteGroupsRequest;
import dev.ferry.client.protocol.proto.DeleteGroupsResponse;
import dev.ferry.client.protocol.proto.DeleteGroupsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DELETE_GROUPS: deletes groups without members, with tombstones for their offsets in {@code __consumer_offsets};
 * NON_EMPTY_GROUP for a group with members, NOT_COORDINATOR for one coordinated elsewhere.
 */
public final class DeleteGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public DeleteGroupsHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final DeleteGroupsRequest body;
        try {
            body = request.body(DeleteGroupsRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        final List<CompletableFuture<DeleteGroupsResult>> each = new ArrayList<>();
        body.getGroupIdsList().forEach(id -> each.add(coordinator.deleteGroup(id)));
        return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            final DeleteGroupsResponse.Builder b = DeleteGroupsResponse.newBuilder();
            each.forEach(f -> b.addResults(f.join()));
            return Response.of(b.build());
        });
    }
}
