package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.AlterConfigsResource;
import dev.ferry.client.protocol.proto.ConfigOp;
import dev.ferry.client.protocol.proto.ConfigOpType;
import dev.ferry.client.protocol.proto.CreatePartitionsTopic;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.PartitionReassignment;
import dev.ferry.client.protocol.proto.ReplicaAssignment;
import dev.ferry.client.protocol.proto.ResourceResult;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.node.controller.proto.AllocateProducerIds;
import dev.ferry.node.controller.proto.AlterConfigsCommand;
import dev.ferry.node.controller.proto.CompletePartitionReassignment;
import dev.ferry.node.controller.proto.ConfigChange;
import dev.ferry.node.controller.proto.ControllerReply;
import dev.ferry.node.controller.proto.ControllerRequest;
import dev.ferry.node.controller.proto.CreatePartitionsCommand;
import dev.ferry.node.controller.proto.CreateTopicsCommand;
import dev.ferry.node.controller.proto.DecommissionNode;
import dev.ferry.node.controller.proto.DeleteTopicsCommand;
import dev.ferry.node.controller.proto.HeartbeatCommand;
import dev.ferry.node.controller.proto.HeartbeatReply;
import dev.ferry.node.controller.proto.ItemResult;
import dev.ferry.node.controller.proto.LeaderEntry;
import dev.ferry.node.controller.proto.LedPartition;
import dev.ferry.node.controller.proto.PartitionCount;
import dev.ferry.node.controller.proto.PartitionReplicas;
import dev.ferry.node.controller.proto.ReassignCommand;
import dev.ferry.node.controller.proto.RegisterNode;
import dev.ferry.node.controller.proto.SetPartitionTarget;
import dev.ferry.node.controller.proto.TopicConfigChanges;
import dev.ferry.node.controller.proto.TopicRequest;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Every node's way to the active controller, voter or not: a Ratis client of the metadata group whose requests
 * are read-only queries, which Ratis routes to the group's leader (following NOT_LEADER hints through
 * elections). Requests a failover interrupts are retried until the request timeout; a request that was applied
 * just before a failover may therefore answer as if repeated (TOPIC_ALREADY_EXISTS), as in Kafka.
 *
 * <p>Whole-request failures complete the futures exceptionally with {@link ControllerException}; per-resource
 * outcomes come back in {@link ControllerResult}. Thread-safe; one per node.
 */
public final class ControllerClient implements Closeable {
    private static final long RETRY_BACKOFF_MS = 100;

    private final RaftClient client;
    /** Heartbeats only: short attempts, so that a dead controller costs less than a node's session. */
    private final RaftClient heartbeats;
    private final int requestTimeoutMs;
    private final int heartbeatTimeoutMs;
    private final ScheduledExecutorService retries;

    /**
     * @param voters the controller quorum, node id to host:port ({@link MetadataQuorum#parseVoters})
     * @param requestTimeoutMs how long one request may take, retries through elections included
     */
    public ControllerClient(final Map<Integer, String> voters, final int requestTimeoutMs) {
        this(voters, requestTimeoutMs, Math.min(requestTimeoutMs, 2_000));
    }

    /**
     * @param voters the controller quorum, node id to host:port ({@link MetadataQuorum#parseVoters})
     * @param requestTimeoutMs how long one request may take, retries through elections included
     * @param heartbeatTimeoutMs how long one heartbeat may take; well below the node's session timeout
     */
    public ControllerClient(final Map<Integer, String> voters, final int requestTimeoutMs,
                            final int heartbeatTimeoutMs) {
        this.requestTimeoutMs = requestTimeoutMs;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
        this.client = raftClient(voters, Math.min(requestTimeoutMs, 5_000), requestTimeoutMs);
        // A heartbeat held by a controller whose machine died (its connection silent, not refused) waited out the
        // 5 s attempt and more, and the new controller fenced every node (session 6 s) while clients stalled
        // (found by the 5-node chaos run). Attempts of a third of the heartbeat's time move on to the next voter.
        this.heartbeats = raftClient(voters, Math.max(100, heartbeatTimeoutMs / 3), heartbeatTimeoutMs);
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "ferry-controller-client");
            t.setDaemon(true);
            return t;
        });
    }

    private static RaftClient raftClient(final Map<Integer, String> voters, final int attemptTimeoutMs,
                                         final int totalMs) {
        return RaftClient.newBuilder()
            .setClientId(ClientId.randomId())
            .setRaftGroup(MetadataQuorum.group(voters))
            .setProperties(MetadataQuorum.clientProperties(attemptTimeoutMs))
            .setParameters(new Parameters())
            .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                Math.max(1, (int) (totalMs / RETRY_BACKOFF_MS)),
                TimeDuration.valueOf(RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS)))
            .build();
    }

    /**
     * Registers (or re-registers) this node; it becomes ALIVE.
     *
     * @param registration the node's identity and addresses
     * @return completes once the registration is in the metadata log
     */
    public CompletableFuture<ControllerResult> register(final NodeRegistration registration) {
        return call(ControllerRequest.newBuilder().setRegister(RegisterNode.newBuilder()
            .setNodeId(registration.nodeId()).setHost(registration.host()).setPort(registration.port())
            .setRack(registration.rack()).setRaftAddress(registration.raftAddress())
            .setIncarnationId(registration.incarnationId())).build()).thenApply(ControllerClient::throwIfFailed);
    }

    /**
     * Tells the active controller this node is alive and which partitions it leads.
     *
     * @param nodeId this node
     * @param incarnationId this process's incarnation, as registered
     * @param ledPartitions partition name (topic-N) to Raft term, for partitions this node leads
     * @param knownEpoch the epoch of this node's image
     * @param knownLeaders this node's leader table
     * @return the newer image and leader table, when there are; UNKNOWN_NODE when the node must register
     */
    public CompletableFuture<HeartbeatResult> heartbeat(final int nodeId, final String incarnationId,
                                                        final Map<String, Long> ledPartitions, final long knownEpoch,
                                                        final LeaderTable knownLeaders) {
        final HeartbeatCommand.Builder hb = HeartbeatCommand.newBuilder().setNodeId(nodeId)
            .setIncarnationId(incarnationId).setKnownEpoch(knownEpoch).setKnownLeadersId(knownLeaders.id())
            .setKnownLeadersVersion(knownLeaders.version());
        ledPartitions.forEach((p, term) -> hb.addLed(LedPartition.newBuilder().setPartition(p).setTerm(term)));
        return send(heartbeats, heartbeatTimeoutMs, ControllerRequest.newBuilder().setHeartbeat(hb).build(), false)
            .thenApply(reply -> {
            final HeartbeatReply r = reply.getHeartbeat();
            LeaderTable leaders = null;
            if (r.hasLeaders()) {
                final Map<String, LeaderTable.Leader> m = new HashMap<>();
                for (final LeaderEntry e : r.getLeaders().getEntriesList()) {
                    m.put(e.getPartition(), new LeaderTable.Leader(e.getNodeId(), e.getTerm()));
                }
                leaders = new LeaderTable(r.getLeaders().getId(), r.getLeaders().getVersion(), m);
            }
            return new HeartbeatResult(r.hasImage() ? MetadataImage.fromSnapshot(r.getImage()) : null, leaders,
                r.getControllerId());
        });
    }

    /**
     * @param topics topics to create (0 partitions / replication factor = the cluster defaults)
     * @param validateOnly check without creating
     * @return per-topic results and the epoch the topics exist from
     */
    public CompletableFuture<ControllerResult> createTopics(final List<TopicSpec> topics,
                                                            final boolean validateOnly) {
        final CreateTopicsCommand.Builder cmd = CreateTopicsCommand.newBuilder().setValidateOnly(validateOnly);
        for (final TopicSpec t : topics) {
            final TopicRequest.Builder tr = TopicRequest.newBuilder().setName(t.getName())
                .setPartitions(t.getPartitions()).setReplicationFactor(t.getReplicationFactor())
                .putAllConfigs(t.getConfigsMap());
            for (final ReplicaAssignment a : t.getAssignmentsList()) {
                tr.addAssignments(PartitionReplicas.newBuilder().setPartition(a.getPartition())
                    .addAllReplicas(a.getReplicasList()));
            }
            cmd.addTopics(tr);
        }
        return call(ControllerRequest.newBuilder().setCreateTopics(cmd).build());
    }

    /**
     * @param topics topics to delete
     * @return per-topic results
     */
    public CompletableFuture<ControllerResult> deleteTopics(final List<String> topics) {
        return call(ControllerRequest.newBuilder().setDeleteTopics(DeleteTopicsCommand.newBuilder()
            .addAllTopics(topics)).build());
    }

    /**
     * @param topics topics and their new partition counts
     * @param validateOnly check without adding
     * @return per-topic results
     */
    public CompletableFuture<ControllerResult> createPartitions(final List<CreatePartitionsTopic> topics,
                                                                final boolean validateOnly) {
        final CreatePartitionsCommand.Builder cmd = CreatePartitionsCommand.newBuilder()
            .setValidateOnly(validateOnly);
        topics.forEach(t -> cmd.addTopics(PartitionCount.newBuilder().setTopic(t.getName())
            .setTotalCount(t.getTotalCount())));
        return call(ControllerRequest.newBuilder().setCreatePartitions(cmd).build());
    }

    /**
     * @param resources topic resources and their set/delete operations (only TOPIC resources)
     * @param validateOnly check without changing
     * @return per-topic results, named by topic
     */
    public CompletableFuture<ControllerResult> alterConfigs(final List<AlterConfigsResource> resources,
                                                            final boolean validateOnly) {
        final AlterConfigsCommand.Builder cmd = AlterConfigsCommand.newBuilder().setValidateOnly(validateOnly);
        for (final AlterConfigsResource r : resources) {
            final TopicConfigChanges.Builder t = TopicConfigChanges.newBuilder().setTopic(r.getResource().getName());
            for (final ConfigOp op : r.getOpsList()) {
                t.addChanges(ConfigChange.newBuilder().setName(op.getName()).setValue(op.getValue())
                    .setDelete(op.getOp() == ConfigOpType.DELETE));
            }
            cmd.addTopics(t);
        }
        return call(ControllerRequest.newBuilder().setAlterConfigs(cmd).build());
    }

    /**
     * Records target replicas; the reconciler moves the replicas and then calls
     * {@link #completeReassignment}. An empty replica list cancels a reassignment in progress.
     *
     * @param reassignments partitions and their new replicas, preferred leader first
     * @return per-partition results named topic-N
     */
    public CompletableFuture<ControllerResult> reassign(final List<PartitionReassignment> reassignments) {
        final ReassignCommand.Builder cmd = ReassignCommand.newBuilder();
        reassignments.forEach(r -> cmd.addTargets(SetPartitionTarget.newBuilder().setTopic(r.getTopic())
            .setPartition(r.getPartition()).addAllTargetReplicas(r.getReplicasList())));
        return call(ControllerRequest.newBuilder().setReassign(cmd).build());
    }

    /**
     * The partition's replicas become its targets (idempotent).
     *
     * @param topic the topic
     * @param partition the partition
     * @return completes once recorded; fails with UNKNOWN_TOPIC / UNKNOWN_PARTITION
     */
    public CompletableFuture<ControllerResult> completeReassignment(final String topic, final int partition) {
        return call(ControllerRequest.newBuilder().setCompleteReassignment(CompletePartitionReassignment
            .newBuilder().setTopic(topic).setPartition(partition)).build()).thenApply(ControllerClient::throwIfFailed);
    }

    /**
     * Marks the node DECOMMISSIONING and sets targets moving its replicas away.
     *
     * @param nodeId the node
     * @return {@link ControllerResult#value()} = replicas moving; fails with UNKNOWN_NODE
     */
    public CompletableFuture<ControllerResult> decommission(final int nodeId) {
        return call(ControllerRequest.newBuilder().setDecommission(DecommissionNode.newBuilder().setNodeId(nodeId))
            .build()).thenApply(ControllerClient::throwIfFailed);
    }

    /**
     * @param nodeId the asking node
     * @return the first id of a block of {@link #PRODUCER_ID_BLOCK} ids no other caller gets
     */
    public CompletableFuture<Long> allocateProducerIds(final int nodeId) {
        return call(ControllerRequest.newBuilder().setAllocateProducerIds(AllocateProducerIds.newBuilder()
            .setNodeId(nodeId)).build()).thenApply(r -> throwIfFailed(r).value());
    }

    /** Producer ids per {@link #allocateProducerIds} block. */
    public static final long PRODUCER_ID_BLOCK = ReplicaCommands.PRODUCER_ID_BLOCK;

    /**
     * Creates {@code __consumer_offsets} when it does not exist yet.
     *
     * @return completes once the topic is in the metadata log
     */
    public CompletableFuture<ControllerResult> ensureOffsetsTopic() {
        return call(ControllerRequest.newBuilder().setEnsureOffsetsTopic(true).build())
            .thenApply(ControllerClient::throwIfFailed);
    }

    private static ControllerResult throwIfFailed(final ControllerResult r) {
        for (final ResourceResult rr : r.results()) {
            if (rr.getError() != ErrorCode.NONE) {
                throw new ControllerException(rr.getError(), rr.getErrorMessage());
            }
        }
        return r;
    }

    private CompletableFuture<ControllerResult> call(final ControllerRequest request) {
        return send(request, true).thenApply(reply -> {
            final List<ResourceResult> results = new ArrayList<>();
            for (final ItemResult i : reply.getResultsList()) {
                final ErrorCode code = ErrorCode.forNumber(i.getError());
                results.add(ResourceResult.newBuilder().setName(i.getName())
                    .setError(code == null ? ErrorCode.UNKNOWN_SERVER_ERROR : code).setErrorMessage(i.getMessage())
                    .build());
            }
            return new ControllerResult(reply.getEpoch(), results, reply.getValue());
        });
    }

    private CompletableFuture<ControllerReply> send(final ControllerRequest request, final boolean retry) {
        return send(client, requestTimeoutMs, request, retry);
    }

    private CompletableFuture<ControllerReply> send(final RaftClient via, final int timeoutMs,
                                                    final ControllerRequest request, final boolean retry) {
        final CompletableFuture<ControllerReply> result = new CompletableFuture<>();
        attempt(via, request, retry ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs) : 0, result);
        return result.orTimeout(timeoutMs, TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            final Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e;
            return CompletableFuture.failedFuture(cause instanceof java.util.concurrent.TimeoutException
                ? new ControllerException(ErrorCode.REQUEST_TIMED_OUT, "no controller answer within "
                    + timeoutMs + " ms to " + request.getCommandCase(), cause) : ControllerException.of(e));
        });
    }

    private void attempt(final RaftClient via, final ControllerRequest request, final long deadlineNs,
                         final CompletableFuture<ControllerReply> result) {
        final CompletableFuture<org.apache.ratis.protocol.RaftClientReply> sent;
        try {
            sent = via.async().sendReadOnlyUnordered(Message.valueOf(ByteString.copyFrom(request.toByteArray())));
        } catch (final RuntimeException e) {
            result.completeExceptionally(e);
            return;
        }
        sent.whenComplete((reply, e) -> {
            if (e != null) {
                result.completeExceptionally(new ControllerException(ErrorCode.CONTROLLER_NOT_AVAILABLE,
                    "no active controller reachable for " + request.getCommandCase() + ": " + e, e));
                return;
            }
            final ControllerReply r;
            try {
                if (!reply.isSuccess()) {
                    throw new ControllerException(ErrorCode.CONTROLLER_NOT_AVAILABLE, "controller refused "
                        + request.getCommandCase() + ": " + reply.getException());
                }
                r = ControllerReply.parseFrom(reply.getMessage().getContent().toByteArray());
            } catch (final com.google.protobuf.InvalidProtocolBufferException | ControllerException ex) {
                retryOrFail(via, request, deadlineNs, result, ControllerException.of(ex));
                return;
            }
            if (r.getError() == 0) {
                result.complete(r);
                return;
            }
            final ErrorCode code = ErrorCode.forNumber(r.getError());
            retryOrFail(via, request, deadlineNs, result, new ControllerException(code == null
                ? ErrorCode.UNKNOWN_SERVER_ERROR : code, r.getMessage()));
        });
    }

    private void retryOrFail(final RaftClient via, final ControllerRequest request, final long deadlineNs,
                             final CompletableFuture<ControllerReply> result, final ControllerException e) {
        final boolean transientError = e.error() == ErrorCode.NOT_CONTROLLER
            || e.error() == ErrorCode.CONTROLLER_NOT_AVAILABLE;
        if (transientError && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_BACKOFF_MS) < deadlineNs
            && !result.isDone()) {
            retries.schedule(() -> attempt(via, request, deadlineNs, result), RETRY_BACKOFF_MS,
                TimeUnit.MILLISECONDS);
        } else {
            result.completeExceptionally(e);
        }
    }

    @Override
    public void close() throws IOException {
        retries.shutdownNow();
        try {
            heartbeats.close();
        } finally {
            client.close();
        }
    }
}
