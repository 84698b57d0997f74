package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/**
 * OFFSET_COMMIT: stores committed offsets in {@code __consumer_offsets} through the {@link GroupCoordinator},
 * answering once they are replicated.
 */
public final class OffsetCommitHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public OffsetCommitHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final OffsetCommitRequest body;
        try {
            body = request.body(OffsetCommitRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        return coordinator.commitOffsets(body).thenApply(Response::of);
    }
}
