package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.InitProducerIdRequest;
import dev.ferry.client.protocol.proto.InitProducerIdResponse;
import dev.ferry.node.controller.ControllerException;
import dev.ferry.node.controller.ProducerIdAllocator;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;

import java.util.concurrent.CompletableFuture;

/**
 * INIT_PRODUCER_ID: a new idempotent producer gets an id unique in the cluster (from a block this node got from
 * the controller) and epoch 0. Answers at once while the node's block lasts, then after one controller request.
 */
public final class InitProducerIdHandler implements ApiHandler {
    private final ProducerIdAllocator allocator;

    /**
     * @param allocator this node's producer id allocator
     */
    public InitProducerIdHandler(final ProducerIdAllocator allocator) {
        this.allocator = allocator;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        request.body(InitProducerIdRequest.parser());
        return allocator.nextId().handle((id, e) -> Response.of(e == null
            ? InitProducerIdResponse.newBuilder().setError(ErrorCode.NONE).setProducerId(id).setProducerEpoch(0)
                .build()
            : InitProducerIdResponse.newBuilder().setError(ControllerException.of(e).error())
                .setErrorMessage(ControllerException.of(e).getMessage()).setProducerId(-1).setProducerEpoch(-1)
                .build()));
    }
}
