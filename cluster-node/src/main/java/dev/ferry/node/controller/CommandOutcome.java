package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.proto.ItemResult;
import dev.ferry.node.controller.proto.MetadataRecord;

import java.util.ArrayList;
import java.util.List;

/**
 * What the controller decided for one request (Kafka's ControllerResult): the records to write, in one Raft
 * entry, and the answer per resource. Records are empty when nothing changes or the request only validates.
 * Single-threaded builder, then read-only.
 */
final class CommandOutcome {
    final List<MetadataRecord> records = new ArrayList<>();
    final List<ItemResult> results = new ArrayList<>();
    long value;

    CommandOutcome ok(final String name) {
        return result(name, ErrorCode.NONE, "");
    }

    CommandOutcome result(final String name, final ErrorCode error, final String message) {
        results.add(ItemResult.newBuilder().setName(name).setError(error.getNumber()).setMessage(message).build());
        return this;
    }

    CommandOutcome record(final MetadataRecord r) {
        records.add(r);
        return this;
    }
}
