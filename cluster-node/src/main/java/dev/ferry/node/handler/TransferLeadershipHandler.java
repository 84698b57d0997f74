package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.TransferLeadershipRequest;
import dev.ferry.client.protocol.proto.TransferLeadershipResponse;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * TRANSFER_LEADERSHIP: moves a partition's leadership to one of its replicas (by default its preferred leader,
 * as Kafka's preferred leader election). Served by the partition's current leader; other nodes answer
 * NOT_LEADER naming it. The transfer waits for the target to catch up, so it runs off the event loop.
 */
public final class TransferLeadershipHandler implements ApiHandler {
    private static final int DEFAULT_TIMEOUT_MS = 30_000;

    private final RaftServerHost host;
    private final ClusterView view;
    private final Executor executor;

    /**
     * @param host the node's Raft server
     * @param view the cluster as this node knows it
     * @param executor runs the blocking transfer
     */
    public TransferLeadershipHandler(final RaftServerHost host, final ClusterView view, final Executor executor) {
        this.host = host;
        this.view = view;
        this.executor = executor;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final TransferLeadershipRequest req = request.body(TransferLeadershipRequest.parser());
        final PartitionId partition;
        try {
            partition = new PartitionId(req.getTopic(), req.getPartition());
        } catch (final IllegalArgumentException e) {
            return done(ErrorCode.INVALID_TOPIC, e.getMessage());
        }
        final int partitions = view.partitionCount(partition.topic());
        if (partitions < 0) {
            return done(ErrorCode.UNKNOWN_TOPIC, "unknown topic: topic=" + partition.topic());
        }
        if (partition.partition() >= partitions) {
            return done(ErrorCode.UNKNOWN_PARTITION, "unknown partition: partition=" + partition + " (topic has "
                + partitions + ")");
        }
        final List<Integer> replicas = view.replicas(partition);
        final int target = req.getTargetNodeId() < 0 && !replicas.isEmpty() ? replicas.get(0) : req.getTargetNodeId();
        if (!replicas.contains(target)) {
            return done(ErrorCode.UNKNOWN_NODE, "node=" + target + " holds no replica of partition=" + partition
                + "; replicas=" + replicas);
        }
        final PartitionStateMachine sm = host.stateMachine(partition);
        if (sm == null || !sm.isLeader()) {
            final int leader = view.leader(partition);
            return done(ErrorCode.NOT_LEADER, "not the leader of partition=" + partition + "; leader=" + leader);
        }
        if (Integer.toString(target).equals(host.nodeId())) {
            return done(ErrorCode.NONE, "");
        }
        final long timeoutMs = req.getTimeoutMs() > 0 ? req.getTimeoutMs() : DEFAULT_TIMEOUT_MS;
        return CompletableFuture.supplyAsync(() -> {
            try {
                host.transferLeadership(partition, Integer.toString(target), timeoutMs);
                return response(ErrorCode.NONE, "");
            } catch (final Exception e) {
                return response(ErrorCode.REQUEST_TIMED_OUT, "leadership transfer of partition=" + partition
                    + " to node=" + target + " failed: " + e.getMessage());
            }
        }, executor);
    }

    private static CompletableFuture<Response> done(final ErrorCode code, final String message) {
        return CompletableFuture.completedFuture(response(code, message));
    }

    private static Response response(final ErrorCode code, final String message) {
        return Response.of(TransferLeadershipResponse.newBuilder().setError(code).setErrorMessage(message).build());
    }
}
