package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/** CONSUMER_GROUP_HEARTBEAT: joins, leaves and keeps members alive through the {@link GroupCoordinator}. */
public final class ConsumerGroupHeartbeatHandler implements ApiHandler {
    private final GroupCoordinator coordinator;

    /** @param coordinator this node's group coordinator */
    public ConsumerGroupHeartbeatHandler(final GroupCoordinator coordinator) {
        this.coordinator = coordinator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final ConsumerGroupHeartbeatRequest body;
        try {
            body = request.body(ConsumerGroupHeartbeatRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        return coordinator.heartbeat(body, request.header().getClientId(), host(request.remote()))
            .thenApply(Response::of);
    }

    private static String host(final SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet) {
            return inet.getHostString();
        }
        return remote == null ? "" : remote.toString();
    }
}
