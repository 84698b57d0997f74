package dev.ferry.node.network;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ApiVersionsResponse;

import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Answers ApiVersions from the set of registered handlers, so that a client learns what this node serves before
 * sending anything else. Every API is at version 0 until one changes.
 *
 * <p>Thread-safe (immutable; the answer is built once).
 */
final class ApiVersionsHandler implements ApiHandler {
    private final CompletableFuture<Response> answer;

    /** @param keys every API the server dispatches, ApiVersions included */
    ApiVersionsHandler(final Set<ApiKey> keys) {
        final ApiVersionsResponse.Builder body = ApiVersionsResponse.newBuilder();
        for (final ApiKey key : new TreeSet<>(keys)) {
            body.addVersions(ApiVersionsResponse.ApiVersion.newBuilder().setApiKey(key).setMinVersion(0)
                .setMaxVersion(0));
        }
        answer = CompletableFuture.completedFuture(Response.of(body.build()));
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        return answer;
    }
}
