package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ResourceResult;

import java.util.List;

/**
 * What the controller answered to a request over several resources: one result per resource, in request order,
 * and the metadata epoch once the request's records were applied (0 when nothing was written), so a node can
 * wait until its own image has caught up. Immutable.
 *
 * @param epoch the epoch after the change
 * @param results per resource (name, error code, message)
 * @param value the request's number: the first producer id of a block, replicas moving for a decommission
 */
public record ControllerResult(long epoch, List<ResourceResult> results, long value) {

    /** Copies the list. */
    public ControllerResult {
        results = List.copyOf(results);
    }

    /** @return true when every resource succeeded */
    public boolean allSucceeded() {
        return results.stream().allMatch(r -> r.getError() == ErrorCode.NONE);
    }

    /**
     * @param name a resource name
     * @return its result, or null
     */
    public ResourceResult result(final String name) {
        return results.stream().filter(r -> r.getName().equals(name)).findFirst().orElse(null);
    }
}
