package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.DescribeGroupsRequest;
import dev.ferry.client.protocol.proto.DescribeGroupsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.GroupDescription;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DESCRIBE_GROUPS: state, epoch, members and assignments of each group; NOT_COORDINATOR per group this node
 * does not coordinate.
 */
public final class DescribeGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public DescribeGroupsHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final DescribeGroupsRequest body;
        try {
            body = request.body(DescribeGroupsRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        final List<CompletableFuture<GroupDescription>> each = new ArrayList<>();
        body.getGroupIdsList().forEach(id -> each.add(coordinator.describeGroup(id)));
        return CompletableFuture.allOf(each.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
            final DescribeGroupsResponse.Builder b = DescribeGroupsResponse.newBuilder();
            each.forEach(f -> b.addGroups(f.join()));
            return Response.of(b.build());
        });
    }
}
