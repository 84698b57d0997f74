package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.proto.ClusterId;
import dev.ferry.node.controller.proto.ControllerReply;
import dev.ferry.node.controller.proto.ControllerRequest;
import dev.ferry.node.controller.proto.FenceNode;
import dev.ferry.node.controller.proto.HeartbeatCommand;
import dev.ferry.node.controller.proto.HeartbeatReply;
import dev.ferry.node.controller.proto.LeaderEntry;
import dev.ferry.node.controller.proto.LeaderTableProto;
import dev.ferry.node.controller.proto.LedPartition;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.MetadataSnapshot;
import dev.ferry.node.controller.proto.UnfenceNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The controller logic of a voter, active while it leads the metadata group: answers controller requests
 * (Ratis read-only queries, routed to the leader), validates them against the image, writes their records and
 * answers once they are applied; keeps nodes' last heartbeats and reported partition leaders in memory; fences
 * nodes whose heartbeats stop for the session timeout and unfences them when they come back.
 *
 * <p>Requests that write run one at a time on the controller thread, each waiting for its records to apply
 * before the next validates, so validation always sees every earlier change (Kafka's QuorumController runs one
 * event queue the same way). Heartbeats are answered at once from the image without waiting. Thread-safe.
 */
final class ActiveController implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActiveController.class);

    private final ControllerConfig config;
    private final MetadataStateMachine stateMachine;
    private final Function<MetadataBatch, CompletableFuture<Long>> writer;
    private final TopicCommands topics;
    private final ReplicaCommands replicas = new ReplicaCommands();
    private final ScheduledExecutorService executor;
    private final Object chainLock = new Object();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private final Map<Integer, Long> lastHeartbeatMs = new ConcurrentHashMap<>();
    private final Set<Integer> pendingStateChanges = ConcurrentHashMap.newKeySet();
    /** Node id to the partitions it reported leading, with terms (guarded by this). */
    private final Map<Integer, Map<String, Long>> claims = new HashMap<>();
    private volatile LeaderTable leaders = LeaderTable.EMPTY;
    private volatile boolean active;
    /** Nodes heard from since this voter became active, until the leader table is complete (guarded by this). */
    private final Set<Integer> heardSinceActive = new HashSet<>();
    private volatile long activeSinceMs;
    /**
     * A new controller's leader table starts empty; it is sent to nodes only once every ALIVE node has reported
     * (or a session timeout passed), so nodes keep their previous table instead of forgetting every leader.
     */
    private volatile boolean leadersComplete;
    /** The last image serialized for heartbeat replies: every node behind gets the same bytes. */
    private volatile MetadataSnapshot lastSnapshot;

    ActiveController(final ControllerConfig config, final MetadataStateMachine stateMachine,
                     final Function<MetadataBatch, CompletableFuture<Long>> writer) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.writer = writer;
        this.topics = new TopicCommands(config);
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "ferry-controller-" + config.nodeId());
            t.setDaemon(true);
            return t;
        });
        final long tickMs = Math.max(20, Math.min(1000, config.sessionTimeoutMs() / 4));
        executor.scheduleWithFixedDelay(this::checkSessions, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    /** @return true while this voter is the active controller */
    boolean isActive() {
        return active;
    }

    /**
     * @param nodeId a node
     * @return milliseconds since its last heartbeat here, -1 when unknown or not active
     */
    long lastHeartbeatAgoMs(final int nodeId) {
        final Long t = lastHeartbeatMs.get(nodeId);
        return !active || t == null ? -1 : nowMs() - t;
    }

    void onLeaderReady() {
        try {
            executor.execute(this::becomeActive);
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            LOG.info("node={} leads the metadata group while closing; not activating", config.nodeId());
        }
    }

    private void becomeActive() {
        final long now = nowMs();
        lastHeartbeatMs.clear();
        // Every node gets a full session from the moment this voter took over (as Kafka does).
        stateMachine.image().nodes().keySet().forEach(id -> lastHeartbeatMs.put(id, now));
        synchronized (this) {
            claims.clear();
            heardSinceActive.clear();
            leaders = new LeaderTable(UUID.randomUUID().toString(), 1, Map.of());
        }
        activeSinceMs = now;
        leadersComplete = false;
        active = true;
        if (stateMachine.image().clusterId().isEmpty()) {
            enqueue(image -> image.clusterId().isEmpty() ? new CommandOutcome().record(MetadataRecord.newBuilder()
                .setClusterId(ClusterId.newBuilder().setClusterId(UUID.randomUUID().toString())).build())
                : new CommandOutcome());
        }
    }

    void onLeadershipLost() {
        if (active) {
            LOG.info("node={} is no longer the active controller", config.nodeId());
        }
        active = false;
    }

    CompletableFuture<ControllerReply> handle(final ControllerRequest request) {
        if (!active) {
            return CompletableFuture.completedFuture(notController());
        }
        return switch (request.getCommandCase()) {
            case HEARTBEAT -> CompletableFuture.completedFuture(heartbeat(request.getHeartbeat()));
            case REGISTER -> enqueue(image -> {
                final CommandOutcome o = replicas.register(image, request.getRegister());
                lastHeartbeatMs.put(request.getRegister().getNodeId(), nowMs());
                return o;
            });
            case CREATE_TOPICS -> enqueue(image -> topics.createTopics(image, request.getCreateTopics()));
            case DELETE_TOPICS -> enqueue(image -> topics.deleteTopics(image,
                request.getDeleteTopics().getTopicsList()));
            case CREATE_PARTITIONS -> enqueue(image -> topics.createPartitions(image,
                request.getCreatePartitions()));
            case ALTER_CONFIGS -> enqueue(image -> topics.alterConfigs(image, request.getAlterConfigs()));
            case REASSIGN -> enqueue(image -> replicas.reassign(image, request.getReassign().getTargetsList()));
            case COMPLETE_REASSIGNMENT -> enqueue(image -> replicas.completeReassignment(image,
                request.getCompleteReassignment()));
            case DECOMMISSION -> enqueue(image -> replicas.decommission(image,
                request.getDecommission().getNodeId()));
            case ALLOCATE_PRODUCER_IDS -> enqueue(image -> replicas.allocateProducerIds(image,
                request.getAllocateProducerIds().getNodeId()));
            case ENSURE_OFFSETS_TOPIC -> enqueue(topics::ensureOffsetsTopic);
            default -> CompletableFuture.completedFuture(ControllerReply.newBuilder()
                .setError(ErrorCode.UNSUPPORTED_API_VALUE).setMessage("unknown controller request "
                    + request.getCommandCase()).build());
        };
    }

    private ControllerReply notController() {
        return ControllerReply.newBuilder().setError(ErrorCode.NOT_CONTROLLER_VALUE)
            .setMessage("node " + config.nodeId() + " is not the active controller").build();
    }

    /** Runs a command after every earlier one has applied its records. */
    private CompletableFuture<ControllerReply> enqueue(final Function<MetadataImage, CommandOutcome> command) {
        synchronized (chainLock) {
            final CompletableFuture<ControllerReply> result = tail.thenComposeAsync(v -> run(command), executor);
            tail = result.handle((r, e) -> null);
            return result;
        }
    }

    private CompletableFuture<ControllerReply> run(final Function<MetadataImage, CommandOutcome> command) {
        if (!active) {
            return CompletableFuture.completedFuture(notController());
        }
        final MetadataImage image = stateMachine.image();
        final CommandOutcome outcome;
        try {
            outcome = command.apply(image);
        } catch (final RuntimeException e) {
            LOG.error("node={} controller request failed at epoch={}", config.nodeId(), image.epoch(), e);
            return CompletableFuture.completedFuture(ControllerReply.newBuilder()
                .setError(ErrorCode.UNKNOWN_SERVER_ERROR_VALUE).setMessage("controller error: " + e).build());
        }
        final ControllerReply.Builder reply = ControllerReply.newBuilder().addAllResults(outcome.results)
            .setValue(outcome.value).setEpoch(image.epoch());
        if (outcome.records.isEmpty()) {
            return CompletableFuture.completedFuture(reply.build());
        }
        final MetadataBatch batch = MetadataBatch.newBuilder().addAllRecords(outcome.records).build();
        if (batch.getSerializedSize() > MetadataQuorum.MAX_ENTRY_BYTES) {
            return CompletableFuture.completedFuture(ControllerReply.newBuilder()
                .setError(ErrorCode.INVALID_REQUEST_VALUE).setMessage("request too large: its records take "
                    + batch.getSerializedSize() + " bytes, max " + MetadataQuorum.MAX_ENTRY_BYTES + "; split it")
                .build());
        }
        return writer.apply(batch)
            .orTimeout(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
            .handle((epoch, e) -> {
                if (e == null) {
                    return reply.setEpoch(epoch).build();
                }
                final boolean timedOut = e instanceof java.util.concurrent.TimeoutException
                    || e.getCause() instanceof java.util.concurrent.TimeoutException;
                LOG.warn("node={} metadata write failed: {}", config.nodeId(), e.toString());
                return ControllerReply.newBuilder().setError(timedOut ? ErrorCode.REQUEST_TIMED_OUT_VALUE
                    : ErrorCode.NOT_CONTROLLER_VALUE).setMessage("metadata write failed: " + e).build();
            });
    }

    private ControllerReply heartbeat(final HeartbeatCommand hb) {
        final MetadataImage image = stateMachine.image();
        final NodeInfo node = image.node(hb.getNodeId());
        if (node == null || !node.incarnationId().equals(hb.getIncarnationId())) {
            return ControllerReply.newBuilder().setError(ErrorCode.UNKNOWN_NODE_VALUE).setMessage("node "
                + hb.getNodeId() + " incarnation " + hb.getIncarnationId() + " is not registered; register first")
                .build();
        }
        lastHeartbeatMs.put(node.id(), nowMs());
        if (node.state() == NodeState.FENCED && pendingStateChanges.add(node.id())) {
            LOG.info("node={} heartbeats again: unfencing node {}", config.nodeId(), node.id());
            enqueue(img -> changeState(img, node.id(), NodeState.FENCED)).whenComplete((r, e) ->
                pendingStateChanges.remove(node.id()));
        }
        final Map<String, Long> led = new HashMap<>();
        for (final LedPartition p : hb.getLedList()) {
            led.put(p.getPartition(), p.getTerm());
        }
        // Merging the claims, counting the node as heard and reading the table is one step: a takeover
        // (becomeActive) clearing claims in between would count a node whose claims the table lacks.
        final boolean complete;
        final LeaderTable table;
        synchronized (this) {
            updateClaims(node.id(), led);
            complete = leadersComplete(image, node.id());
            table = leaders;
        }
        final HeartbeatReply.Builder r = HeartbeatReply.newBuilder().setControllerId(config.nodeId());
        if (image.epoch() > hb.getKnownEpoch()) {
            r.setImage(snapshotOf(image));
        }
        if (complete && (!table.id().equals(hb.getKnownLeadersId())
            || table.version() > hb.getKnownLeadersVersion())) {
            final LeaderTableProto.Builder t = LeaderTableProto.newBuilder().setId(table.id())
                .setVersion(table.version());
            table.leaders().forEach((p, l) -> t.addEntries(LeaderEntry.newBuilder().setPartition(p)
                .setNodeId(l.nodeId()).setTerm(l.term())));
            r.setLeaders(t);
        }
        return ControllerReply.newBuilder().setEpoch(image.epoch()).setHeartbeat(r).build();
    }

    private MetadataSnapshot snapshotOf(final MetadataImage image) {
        final MetadataSnapshot cached = lastSnapshot;
        if (cached != null && cached.getEpoch() == image.epoch()) {
            return cached;
        }
        final MetadataSnapshot fresh = image.toSnapshot();
        lastSnapshot = fresh;
        return fresh;
    }

    private boolean leadersComplete(final MetadataImage image, final int nodeId) {
        if (leadersComplete) {
            return true;
        }
        synchronized (this) {
            heardSinceActive.add(nodeId);
            final boolean allHeard = image.nodes().values().stream()
                .allMatch(n -> n.state() != NodeState.ALIVE || heardSinceActive.contains(n.id()));
            if (allHeard || nowMs() - activeSinceMs > config.sessionTimeoutMs()) {
                leadersComplete = true;
            }
            return leadersComplete;
        }
    }

    /** FenceNode for an ALIVE node, UnfenceNode for a FENCED one, when it is still in that state. */
    private static CommandOutcome changeState(final MetadataImage image, final int nodeId, final NodeState from) {
        final NodeInfo n = image.node(nodeId);
        final CommandOutcome out = new CommandOutcome();
        if (n == null || n.state() != from) {
            return out;
        }
        return out.record(from == NodeState.ALIVE
            ? MetadataRecord.newBuilder().setFenceNode(FenceNode.newBuilder().setNodeId(nodeId)).build()
            : MetadataRecord.newBuilder().setUnfenceNode(UnfenceNode.newBuilder().setNodeId(nodeId)).build());
    }

    private synchronized void updateClaims(final int nodeId, final Map<String, Long> led) {
        final Map<String, Long> old = claims.getOrDefault(nodeId, Map.of());
        if (old.equals(led)) {
            return;
        }
        if (led.isEmpty()) {
            claims.remove(nodeId);
        } else {
            claims.put(nodeId, led);
        }
        final Map<String, LeaderTable.Leader> table = new HashMap<>();
        claims.forEach((node, partitions) -> partitions.forEach((p, term) -> table.merge(p,
            new LeaderTable.Leader(node, term), (a, b) -> a.term() > b.term() || a.term() == b.term()
                && a.nodeId() < b.nodeId() ? a : b)));
        leaders = new LeaderTable(leaders.id(), leaders.version() + 1, table);
    }

    private void checkSessions() {
        if (!active) {
            return;
        }
        final long now = nowMs();
        for (final NodeInfo n : stateMachine.image().nodes().values()) {
            final long last = lastHeartbeatMs.computeIfAbsent(n.id(), id -> now);
            if (n.state() == NodeState.ALIVE && now - last > config.sessionTimeoutMs()
                && pendingStateChanges.add(n.id())) {
                LOG.warn("node={} fencing node {}: no heartbeat for {} ms (session timeout {} ms)", config.nodeId(),
                    n.id(), now - last, config.sessionTimeoutMs());
                updateClaims(n.id(), Map.of());
                enqueue(img -> nowMs() - lastHeartbeatMs.getOrDefault(n.id(), 0L) > config.sessionTimeoutMs()
                    ? changeState(img, n.id(), NodeState.ALIVE) : new CommandOutcome())
                    .whenComplete((r, e) -> pendingStateChanges.remove(n.id()));
            }
        }
    }

    private static long nowMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public void close() {
        active = false;
        executor.shutdownNow();
    }
}
