package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * FIND_COORDINATOR: a group's coordinator is the leader of the group's {@code __consumer_offsets} partition, as
 * this node's metadata knows it. Any node answers. The offsets topic is created on first use: while it does not
 * exist, or its partition has no known leader, the answer is COORDINATOR_NOT_AVAILABLE and the client retries.
 * Thread-safe.
 */
public final class FindCoordinatorHandler implements ApiHandler {
    private static final Logger LOG = LoggerFactory.getLogger(FindCoordinatorHandler.class);

    private final ClusterView view;
    private final int offsetsPartitions;
    private final Supplier<CompletableFuture<Void>> ensureOffsetsTopic;
    private final AtomicReference<CompletableFuture<Void>> creating = new AtomicReference<>();

    /**
     * @param view the cluster as this node knows it
     * @param offsetsPartitions partitions of {@code __consumer_offsets} (GroupConfig.offsetsPartitions)
     * @param ensureOffsetsTopic creates the offsets topic when it does not exist (e.g. through the controller);
     *                           called at most once at a time
     */
    public FindCoordinatorHandler(final ClusterView view, final int offsetsPartitions,
                                  final Supplier<CompletableFuture<Void>> ensureOffsetsTopic) {
        this.view = view;
        this.offsetsPartitions = offsetsPartitions;
        this.ensureOffsetsTopic = ensureOffsetsTopic;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final FindCoordinatorRequest body;
        try {
            body = request.body(FindCoordinatorRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST, e.getMessage()));
        }
        return CompletableFuture.completedFuture(Response.of(find(body.getGroupId())));
    }

    private FindCoordinatorResponse find(final String groupId) {
        if (groupId.isEmpty()) {
            return error(ErrorCode.INVALID_REQUEST, "group_id is empty");
        }
        if (view.partitionCount(InternalTopics.CONSUMER_OFFSETS) < 0) {
            maybeCreateOffsetsTopic();
            return error(ErrorCode.COORDINATOR_NOT_AVAILABLE, InternalTopics.CONSUMER_OFFSETS
                + " does not exist yet; it is being created, retry");
        }
        final PartitionId partition = new PartitionId(InternalTopics.CONSUMER_OFFSETS,
            InternalTopics.offsetsPartitionFor(groupId, offsetsPartitions));
        final int leader = view.leader(partition);
        final NodeEndpoint endpoint = leader < 0 ? null : view.endpoint(leader);
        if (endpoint == null) {
            return error(ErrorCode.COORDINATOR_NOT_AVAILABLE, "no known leader of " + partition + " for group "
                + groupId + "; retry");
        }
        return FindCoordinatorResponse.newBuilder().setCoordinator(endpoint).build();
    }

    private void maybeCreateOffsetsTopic() {
        final CompletableFuture<Void> current = creating.get();
        if (current != null && !current.isDone()) {
            return;
        }
        final CompletableFuture<Void> mine = new CompletableFuture<>();
        if (!creating.compareAndSet(current, mine)) {
            return;
        }
        try {
            ensureOffsetsTopic.get().whenComplete((v, e) -> {
                if (e != null) {
                    LOG.warn("creating {} failed: {}", InternalTopics.CONSUMER_OFFSETS, e.toString());
                }
                mine.complete(null);
            });
        } catch (final RuntimeException e) {
            LOG.warn("creating {} failed: {}", InternalTopics.CONSUMER_OFFSETS, e.toString());
            mine.complete(null);
        }
    }

    private static FindCoordinatorResponse error(final ErrorCode error, final String message) {
        return FindCoordinatorResponse.newBuilder().setError(error).setErrorMessage(message).build();
    }
}
