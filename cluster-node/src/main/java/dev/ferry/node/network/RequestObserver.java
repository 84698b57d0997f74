package dev.ferry.node.network;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;

/** Told of every request the network layer answers, for metrics. Called on event loops: must not block. */
public interface RequestObserver {

    /**
     * @param apiKey the API
     * @param error NONE or the header-level error
     * @param latencyNanos from the frame's arrival to the response being handed to the socket
     * @param requestBytes the request frame's size
     * @param responseBytes the response frame's size, records included
     */
    void onResponse(ApiKey apiKey, ErrorCode error, long latencyNanos, int requestBytes, long responseBytes);

    /** Observes nothing. */
    RequestObserver NONE = (apiKey, error, latencyNanos, requestBytes, responseBytes) -> {
    };
}
