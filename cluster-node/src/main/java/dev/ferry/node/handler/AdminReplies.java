package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ResourceResult;
import dev.ferry.node.controller.ControllerException;
import dev.ferry.node.controller.ControllerResult;
import dev.ferry.node.controller.MetadataView;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the admin handlers forwarding to the controller share: failures per resource, waiting for visibility. */
final class AdminReplies {
    private AdminReplies() {
    }

    /**
     * @param names the request's resources
     * @param failure why the controller did not answer
     * @return one result per resource carrying the failure's code
     */
    static List<ResourceResult> failAll(final List<String> names, final Throwable failure) {
        final ControllerException e = ControllerException.of(failure);
        final List<ResourceResult> out = new ArrayList<>(names.size());
        for (final String n : names) {
            out.add(ResourceResult.newBuilder().setName(n).setError(e.error()).setErrorMessage(e.getMessage())
                .build());
        }
        return out;
    }

    /**
     * Waits until this node's image holds the change, so the client's next request here sees it (a producer can
     * send right after CreateTopics). After the timeout the controller's answer goes back anyway: the change is
     * made and other nodes may already have it.
     *
     * @param view this node's metadata
     * @param result the controller's answer
     * @param timeoutMs how long to wait; 0 or less answers at once
     * @return the result, once visible here or timed out
     */
    static CompletableFuture<ControllerResult> whenVisible(final MetadataView view, final ControllerResult result,
                                                          final int timeoutMs) {
        if (timeoutMs <= 0 || result.epoch() <= 0) {
            return CompletableFuture.completedFuture(result);
        }
        return view.awaitEpoch(result.epoch()).completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS)
            .thenApply(img -> result);
    }

    /**
     * @param e a failure
     * @return its code, for responses with one error field
     */
    static ErrorCode code(final Throwable e) {
        return ControllerException.of(e).error();
    }
}
