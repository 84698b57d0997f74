package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitPartitionResult;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.OffsetFetchPartition;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.client.protocol.proto.OffsetFetchResponse;
import dev.ferry.client.protocol.proto.TopicPartitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The consumer's requests to its group's coordinator: finds the coordinator (FindCoordinator, cached until an error
 * says it moved) and sends heartbeats, offset commits and offset fetches to it.
 *
 * <p>Thread-safe: the cached coordinator is replaced atomically.
 */
final class GroupClient {
    private static final Logger LOG = LoggerFactory.getLogger(GroupClient.class);

    private final NetworkClient network;
    private final String groupId;
    private final long requestTimeoutMs;
    private CompletableFuture<Integer> coordinator;

    GroupClient(final NetworkClient network, final String groupId, final long requestTimeoutMs) {
        this.network = network;
        this.groupId = groupId;
        this.requestTimeoutMs = requestTimeoutMs;
    }

    synchronized CompletableFuture<Integer> coordinator() {
        if (coordinator == null || coordinator.isCompletedExceptionally()) {
            coordinator = find();
        }
        return coordinator;
    }

    /** Forgets the coordinator after an error that says it moved or died; the next request finds it again. */
    synchronized void resetCoordinator() {
        coordinator = null;
    }

    /** @param e a failure: forgets the coordinator when it says the coordinator moved or is unreachable */
    void onError(final FerryException e) {
        if (e.code() == null || e.code() == ErrorCode.NOT_COORDINATOR || e.code() == ErrorCode.COORDINATOR_NOT_AVAILABLE
            || e.code() == ErrorCode.REQUEST_TIMED_OUT) {
            resetCoordinator();
        }
    }

    private CompletableFuture<Integer> find() {
        return network.sendToAny(ApiKey.FIND_COORDINATOR, FindCoordinatorRequest.newBuilder().setGroupId(groupId)
            .build(), requestTimeoutMs).thenCompose(r -> {
                final FindCoordinatorResponse body;
                try (r) {
                    body = r.body(FindCoordinatorResponse.parser());
                }
                if (body.getError() != ErrorCode.NONE) {
                    throw FerryException.of(body.getError(), "FindCoordinator group=" + groupId + ": "
                        + body.getErrorMessage());
                }
                final int node = body.getCoordinator().getNodeId();
                LOG.debug("group={} node={} is the coordinator", groupId, node);
                if (network.metadata().node(node) != null) {
                    return CompletableFuture.completedFuture(node);
                }
                return network.refreshMetadata(List.of(), requestTimeoutMs).thenApply(m -> node);
            });
    }

    private CompletableFuture<ClientResponse> send(final ApiKey key, final com.google.protobuf.MessageLite body) {
        return coordinator().thenCompose(node -> network.send(node, key, body, null, requestTimeoutMs))
            .whenComplete((r, e) -> {
                if (e != null) {
                    onError(Waits.unwrap(e) instanceof FerryException f ? f
                        : new FerryException(null, String.valueOf(e), true, e));
                }
            });
    }

    CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(final ConsumerGroupHeartbeatRequest request) {
        return send(ApiKey.CONSUMER_GROUP_HEARTBEAT, request).thenApply(r -> {
            try (r) {
                return r.body(ConsumerGroupHeartbeatResponse.parser());
            }
        });
    }

    CompletableFuture<Void> commit(final Map<TopicPartition, OffsetAndMetadata> offsets, final String memberId,
                                   final int memberEpoch) {
        final OffsetCommitRequest.Builder b = OffsetCommitRequest.newBuilder().setGroupId(groupId)
            .setMemberId(memberId).setMemberEpoch(memberEpoch);
        offsets.forEach((tp, o) -> b.addPartitions(OffsetCommitPartition.newBuilder().setTopic(tp.topic())
            .setPartition(tp.partition()).setOffset(o.offset()).setMetadata(o.metadata())));
        return send(ApiKey.OFFSET_COMMIT, b.build()).thenApply(r -> {
            final OffsetCommitResponse body;
            try (r) {
                body = r.body(OffsetCommitResponse.parser());
            }
            FerryException error = body.getError() == ErrorCode.NONE ? null
                : FerryException.of(body.getError(), "OffsetCommit group=" + groupId + ": " + body.getErrorMessage());
            for (final OffsetCommitPartitionResult p : body.getResultsList()) {
                if (error == null && p.getError() != ErrorCode.NONE) {
                    error = FerryException.of(p.getError(), "OffsetCommit group=" + groupId + " partition="
                        + p.getTopic() + "-" + p.getPartition() + ": " + p.getErrorMessage());
                }
            }
            if (error != null) {
                onError(error);
                throw error;
            }
            return null;
        });
    }

    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> fetchOffsets(final Collection<TopicPartition> parts) {
        final Map<String, TopicPartitions.Builder> byTopic = new TreeMap<>();
        parts.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t))
            .addPartitions(tp.partition()));
        final OffsetFetchRequest.Builder b = OffsetFetchRequest.newBuilder().setGroupId(groupId);
        byTopic.values().forEach(b::addPartitions);
        final Set<TopicPartition> wanted = Set.copyOf(parts);
        return send(ApiKey.OFFSET_FETCH, b.build()).thenApply(r -> {
            final OffsetFetchResponse body;
            try (r) {
                body = r.body(OffsetFetchResponse.parser());
            }
            if (body.getError() != ErrorCode.NONE) {
                final FerryException e = FerryException.of(body.getError(), "OffsetFetch group=" + groupId + ": "
                    + body.getErrorMessage());
                onError(e);
                throw e;
            }
            final Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            for (final OffsetFetchPartition p : body.getPartitionsList()) {
                final TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
                if (p.getError() != ErrorCode.NONE) {
                    final FerryException e = FerryException.of(p.getError(), "OffsetFetch group=" + groupId
                        + " partition=" + tp);
                    onError(e);
                    throw e;
                }
                if (wanted.contains(tp) && p.getOffset() >= 0) {
                    out.put(tp, new OffsetAndMetadata(p.getOffset(), p.getMetadata()));
                }
            }
            return out;
        });
    }
}
