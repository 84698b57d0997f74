package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ListGroupsResponse;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/** LIST_GROUPS: the groups this node coordinates (clients ask every node for the whole list). */
public final class ListGroupsHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public ListGroupsHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        // The request has no fields: nothing to parse.
        return coordinator.listGroups()
            .thenApply(groups -> Response.of(ListGroupsResponse.newBuilder().addAllGroups(groups).build()));
    }
}
