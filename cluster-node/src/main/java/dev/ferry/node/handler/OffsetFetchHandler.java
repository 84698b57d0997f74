package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/** OFFSET_FETCH: a group's committed offsets from its {@link GroupCoordinator}. */
public final class OffsetFetchHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public OffsetFetchHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final OffsetFetchRequest body;
        try {
            body = request.body(OffsetFetchRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        return coordinator.fetchOffsets(body).thenApply(Response::of);
    }
}
