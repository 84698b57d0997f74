package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ReplicaStateRequest;
import dev.ferry.client.protocol.proto.ReplicaStateResponse;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.CatchUpSource;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;

import java.util.concurrent.CompletableFuture;

/**
 * Serves REPLICA_STATE (node to node): a replica that fell behind its leader's Raft log start asks the leader
 * what is committed ({@link PartitionStateMachine#committedState()}) before copying its segments with Fetch
 * ({@code max_offset} = the high watermark answered here). Only the leader answers, so the copy has one source
 * of truth. Thread-safe.
 */
public final class ReplicaStateHandler implements ApiHandler {
    private final RaftServerHost host;

    /** @param host the node's Raft host, holding the partition replicas */
    public ReplicaStateHandler(final RaftServerHost host) {
        this.host = host;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final ReplicaStateRequest body;
        try {
            body = request.body(ReplicaStateRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST,
                "replica state: " + e.getMessage()));
        }
        return CompletableFuture.completedFuture(Response.of(answer(body)));
    }

    private ReplicaStateResponse answer(final ReplicaStateRequest body) {
        final PartitionId id;
        try {
            id = new PartitionId(body.getTopic(), body.getPartition());
        } catch (final IllegalArgumentException e) {
            return failed(ErrorCode.UNKNOWN_PARTITION, e.getMessage() + " node=" + host.nodeId());
        }
        final PartitionStateMachine replica = host.stateMachine(id);
        if (replica == null || !host.isReady(id)) {
            return failed(ErrorCode.UNKNOWN_PARTITION, "no started replica here: partition=" + id + " node="
                + host.nodeId());
        }
        if (!replica.isLeader()) {
            return failed(ErrorCode.NOT_LEADER, "not the leader: partition=" + id + " node=" + host.nodeId()
                + " leader=" + (replica.leaderNodeId() == null ? "unknown" : replica.leaderNodeId()));
        }
        final CatchUpSource.LeaderState s = replica.committedState();
        return ReplicaStateResponse.newBuilder().setError(ErrorCode.NONE).setLogStartOffset(s.logStartOffset())
            .setHighWatermark(s.highWatermark()).setAppliedTerm(s.appliedTerm()).setAppliedIndex(s.appliedIndex())
            .build();
    }

    private static ReplicaStateResponse failed(final ErrorCode code, final String message) {
        return ReplicaStateResponse.newBuilder().setError(code).setErrorMessage(message).build();
    }
}
