package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.AlterConfigsRequest;
import dev.ferry.client.protocol.proto.AlterConfigsResource;
import dev.ferry.client.protocol.proto.AlterConfigsResponse;
import dev.ferry.client.protocol.proto.AlterConfigsResult;
import dev.ferry.client.protocol.proto.ConfigResourceType;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ResourceResult;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.controller.ControllerResult;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ALTER_CONFIGS on any node: topic config changes (set, delete) forwarded to the active controller, which checks
 * the resulting settings with {@link dev.ferry.log.LogConfig#from} (INVALID_CONFIG naming the key). Node configs
 * cannot be altered at run time (INVALID_REQUEST).
 */
public final class AlterConfigsHandler implements ApiHandler {
    private final ControllerClient controller;

    /**
     * @param controller the controller client
     */
    public AlterConfigsHandler(final ControllerClient controller) {
        this.controller = controller;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final AlterConfigsRequest req = request.body(AlterConfigsRequest.parser());
        final List<AlterConfigsResource> topics = new ArrayList<>();
        for (final AlterConfigsResource r : req.getResourcesList()) {
            if (r.getResource().getType() == ConfigResourceType.TOPIC) {
                topics.add(r);
            }
        }
        final CompletableFuture<ControllerResult> forwarded = topics.isEmpty()
            ? CompletableFuture.completedFuture(new ControllerResult(0, List.of(), 0))
            : controller.alterConfigs(topics, req.getValidateOnly());
        return forwarded.handle((r, e) -> {
            final AlterConfigsResponse.Builder out = AlterConfigsResponse.newBuilder();
            int next = 0;
            for (final AlterConfigsResource res : req.getResourcesList()) {
                final AlterConfigsResult.Builder ar = AlterConfigsResult.newBuilder().setResource(res.getResource());
                if (res.getResource().getType() != ConfigResourceType.TOPIC) {
                    ar.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("only TOPIC configs can be altered, not "
                        + res.getResource().getType());
                } else if (e != null) {
                    ar.setError(AdminReplies.code(e)).setErrorMessage(e.getMessage());
                } else {
                    final ResourceResult rr = r.results().get(next++);
                    ar.setError(rr.getError()).setErrorMessage(rr.getErrorMessage());
                }
                out.addResults(ar);
            }
            return Response.of(out.build());
        });
    }
}
