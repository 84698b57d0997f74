package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ConfigEntry;
import dev.ferry.client.protocol.proto.ConfigResource;
import dev.ferry.client.protocol.proto.ConfigResourceType;
import dev.ferry.client.protocol.proto.DescribeConfigsRequest;
import dev.ferry.client.protocol.proto.DescribeConfigsResponse;
import dev.ferry.client.protocol.proto.DescribeConfigsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.log.LogConfig;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.controller.TopicInfo;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DESCRIBE_CONFIGS from this node's image: every log setting of a topic, its override or the default from
 * {@link LogConfig}, flagged is_default when not overridden. Node configs are not described (INVALID_REQUEST).
 * Answers at once, on the event loop.
 */
public final class DescribeConfigsHandler implements ApiHandler {
    private final MetadataView view;

    /**
     * @param view this node's metadata
     */
    public DescribeConfigsHandler(final MetadataView view) {
        this.view = view;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final DescribeConfigsRequest req = request.body(DescribeConfigsRequest.parser());
        final DescribeConfigsResponse.Builder out = DescribeConfigsResponse.newBuilder();
        for (final ConfigResource resource : req.getResourcesList()) {
            out.addResults(describe(resource));
        }
        return CompletableFuture.completedFuture(Response.of(out.build()));
    }

    private DescribeConfigsResult describe(final ConfigResource resource) {
        final DescribeConfigsResult.Builder r = DescribeConfigsResult.newBuilder().setResource(resource);
        if (resource.getType() != ConfigResourceType.TOPIC) {
            return r.setError(ErrorCode.INVALID_REQUEST).setErrorMessage("only TOPIC configs can be described, not "
                + resource.getType()).build();
        }
        final TopicInfo topic = view.image().topic(resource.getName());
        if (topic == null) {
            return r.setError(ErrorCode.UNKNOWN_TOPIC).setErrorMessage("topic " + resource.getName()
                + " does not exist").build();
        }
        final Map<String, String> overrides = topic.configs();
        LogConfig.DEFAULTS.values().forEach((key, defaultValue) -> {
            final String override = overrides.get(key);
            r.addEntries(ConfigEntry.newBuilder().setName(key)
                .setValue(override != null ? override : Long.toString(defaultValue)).setIsDefault(override == null));
        });
        return r.build();
    }
}
