package dev.ferry.node.server;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.log.LogConfig;
import dev.ferry.log.Time;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.controller.ControllerClient;
import dev.ferry.node.controller.ControllerConfig;
import dev.ferry.node.controller.ControllerServer;
import dev.ferry.node.controller.LeaderTable;
import dev.ferry.node.controller.MetadataClusterView;
import dev.ferry.node.controller.MetadataImage;
import dev.ferry.node.controller.MetadataView;
import dev.ferry.node.controller.NodeInfo;
import dev.ferry.node.controller.NodeLifecycle;
import dev.ferry.node.controller.NodeRegistration;
import dev.ferry.node.controller.NodeState;
import dev.ferry.node.controller.PartitionInfo;
import dev.ferry.node.controller.ProducerIdAllocator;
import dev.ferry.node.controller.TopicInfo;
import dev.ferry.node.fetch.FetchPurgatory;
import dev.ferry.node.group.GroupConfig;
import dev.ferry.node.group.GroupCoordinator;
import dev.ferry.node.handler.AlterConfigsHandler;
import dev.ferry.node.handler.AlterPartitionReassignmentsHandler;
import dev.ferry.node.handler.ConsumerGroupHeartbeatHandler;
import dev.ferry.node.handler.CreatePartitionsHandler;
import dev.ferry.node.handler.CreateTopicsHandler;
import dev.ferry.node.handler.DecommissionNodeHandler;
import dev.ferry.node.handler.DeleteGroupsHandler;
import dev.ferry.node.handler.DeleteTopicsHandler;
import dev.ferry.node.handler.DescribeClusterHandler;
import dev.ferry.node.handler.DescribeConfigsHandler;
import dev.ferry.node.handler.DescribeGroupsHandler;
import dev.ferry.node.handler.FetchHandler;
import dev.ferry.node.handler.FindCoordinatorHandler;
import dev.ferry.node.handler.InitProducerIdHandler;
import dev.ferry.node.handler.ListGroupsHandler;
import dev.ferry.node.handler.ListOffsetsHandler;
import dev.ferry.node.handler.MetadataHandler;
import dev.ferry.node.handler.OffsetCommitHandler;
import dev.ferry.node.handler.OffsetFetchHandler;
import dev.ferry.node.handler.ProduceHandler;
import dev.ferry.node.handler.ReplicaStateHandler;
import dev.ferry.node.handler.TransferLeadershipHandler;
import dev.ferry.node.metrics.AdminHttpServer;
import dev.ferry.node.metrics.HealthCheck;
import dev.ferry.node.metrics.NodeMetrics;
import dev.ferry.node.metrics.ReplicaHealthCheck;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.FerryServer;
import dev.ferry.node.network.NetworkConfig;
import dev.ferry.node.replica.LeadershipDrainer;
import dev.ferry.node.replica.NetworkCatchUpSource;
import dev.ferry.node.replica.ReplicaReconciler;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One Ferry broker: starts storage and the partition Raft server, then the metadata controller (on voters),
 * then request handling and the network, then joins the cluster; stops in reverse. A graceful stop (SIGTERM)
 * first moves this node's leaderships to other replicas, as Kafka's controlled shutdown.
 *
 * <p>Data directory layout: {@code raft/} and {@code logs/} (partition replicas, see RaftServerHost),
 * {@code controller/} (the metadata Raft group, on voters).
 */
public final class FerryNode implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryNode.class);
    /** How long controller requests may take, elections included. */
    private static final int CONTROLLER_TIMEOUT_MS = 30_000;
    /** A follower not answering its leader for this long is out of sync (Kafka: replica.lag.time.max.ms). */
    private static final long REPLICA_LAG_MS = 10_000;
    private static final long REPLICA_LAG_ENTRIES = 1_000;

    private final NodeConfig config;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final NodeMetrics metrics;
    private final ControllerServer controllerServer;
    private final ControllerClient controller;
    private final MetadataView metadata;
    private final ClusterView clusterView;
    private final NetworkCatchUpSource catchUp;
    private final RaftServerHost host;
    private final ReplicaReconciler reconciler;
    private final FetchPurgatory purgatory;
    private final GroupCoordinator groups;
    private final ScheduledExecutorService timer;
    private final ExecutorService blocking;
    private final FerryServer server;
    private final NodeLifecycle lifecycle;
    private final CompletableFuture<Void> joined;
    private final AdminHttpServer admin;
    private volatile boolean closed;
    private volatile int movedOnStop = -1;

    private FerryNode(final NodeConfig config) throws IOException {
        this.config = config;
        final int id = config.nodeId();
        LOG.info("node={} starting with {}", id, config.describe());
        // Ratis ends the JVM (System.exit) when its gRPC server cannot bind: check the ports first.
        ensureFree(config.advertisedHost(), config.raftPort(), NodeConfig.RAFT_PORT);
        if (config.isVoter()) {
            ensureFree(config.advertisedHost(), config.controllerPort(), NodeConfig.CONTROLLER_PORT);
        }
        try {
            this.metrics = track(new NodeMetrics(id, config.dataDir()));
            final Map<Integer, String> voters = new LinkedHashMap<>();
            config.voters().forEach(v -> voters.put(v.id(), v.address()));
            this.controllerServer = config.isVoter() ? track(new ControllerServer(controllerConfig(config, voters)))
                : null;
            this.controller = track(new ControllerClient(voters, CONTROLLER_TIMEOUT_MS,
                config.nodeSessionTimeoutMs() / 3));
            this.metadata = new MetadataView();
            this.clusterView = new MetadataClusterView(metadata);
            this.catchUp = track(new NetworkCatchUpSource(id, config.socketMaxFrameBytes()));
            catchUp.setClusterView(clusterView);
            this.host = track(new RaftServerHost(config.peerId(), config.advertisedHost(), config.raftPort(),
                config.dataDir(), config.durability(), config.logConfig(), config.raftTuning(), catchUp));
            this.reconciler = track(new ReplicaReconciler(id, host, (p, replicas) -> controller
                .completeReassignment(p.topic(), p.partition()).thenApply(r -> null), catchUp::hostsReplica));
            metadata.addListener(image -> reconciler.update(new DesiredReplicas(image, config.logConfig())));
            this.purgatory = track(new FetchPurgatory(id, 2));
            host.addListener(purgatory);
            this.groups = track(new GroupCoordinator(id, host, clusterView, new GroupConfig(
                config.offsetsTopicNumPartitions(), config.groupConsumerSessionTimeoutMs(),
                config.groupConsumerHeartbeatIntervalMs()), Time.SYSTEM));
            host.addListener(groups);
            this.timer = Executors.newScheduledThreadPool(1, daemon("ferry-timer-" + id));
            this.blocking = Executors.newCachedThreadPool(daemon("ferry-admin-" + id));
            this.server = track(new FerryServer(new NetworkConfig(config.listenerHost(), config.listenerPort(),
                config.socketMaxFrameBytes(), config.maxInflightRequestsPerConnection(),
                config.connectionsMaxIdleMs(), config.maxConnections(), config.networkIoThreads()),
                handlers(voters), metrics.requestObserver(), Integer.toString(id)).start());
            this.lifecycle = track(new NodeLifecycle(new NodeRegistration(id, config.advertisedHost(),
                server.boundPort(), config.rack(), config.raftAddress(), UUID.randomUUID().toString()), controller,
                metadata, this::ledPartitions, config.nodeHeartbeatIntervalMs()));
            this.joined = lifecycle.start();
            metrics.addRaftHost(host);
            metrics.addLogDir(config.dataDir().resolve("logs"));
            metrics.underReplicatedPartitions(this::underReplicatedPartitions);
            this.admin = track(AdminHttpServer.start(id, config.listenerHost(), config.metricsPort(), metrics,
                HealthCheck.allOf(this::membership, new ReplicaHealthCheck(host), this::replicasSettled)));
        } catch (final IOException | RuntimeException | Error e) {
            // Errors too (a class missing from a trimmed runtime): what started must stop, or its threads linger.
            closeAll();
            throw e;
        }
        LOG.info("node={} started: clients on {}:{}, raft on {}, controller voter={}, metrics on port {}", id,
            config.advertisedHost(), server.boundPort(), config.raftAddress(), config.isVoter(), admin.port());
    }

    /**
     * Starts a node; it joins the cluster in the background (see {@link #awaitJoined}).
     *
     * @param config the node's settings
     * @return the running node
     * @throws IOException when a port cannot be bound or the data directory cannot be used
     */
    public static FerryNode start(final NodeConfig config) throws IOException {
        return new FerryNode(config);
    }

    private static void ensureFree(final String host, final int port, final String key) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (final IOException e) {
            throw new IOException("cannot bind " + key + "=" + port + " on " + host + ": " + e.getMessage()
                + " (is another node running with this configuration?)", e);
        }
    }

    private static ControllerConfig controllerConfig(final NodeConfig c, final Map<Integer, String> voters) {
        return new ControllerConfig(c.nodeId(), voters, c.dataDir(), c.nodeSessionTimeoutMs(),
            c.raftTuning().electionTimeoutMinMs(), c.raftTuning().electionTimeoutMaxMs(),
            c.raftTuning().snapshotEntries(), c.offsetsTopicNumPartitions(), c.offsetsTopicReplicationFactor(),
            c.numPartitions(), c.defaultReplicationFactor(), CONTROLLER_TIMEOUT_MS);
    }

    private Map<ApiKey, ApiHandler> handlers(final Map<Integer, String> voters) {
        final int id = config.nodeId();
        final Map<ApiKey, ApiHandler> h = new EnumMap<>(ApiKey.class);
        h.put(ApiKey.METADATA, new MetadataHandler(metadata, this::leaderOf));
        h.put(ApiKey.PRODUCE, new ProduceHandler(id, host, clusterView, metrics.trafficRecorder(), timer));
        h.put(ApiKey.FETCH, new FetchHandler(id, host, clusterView, purgatory, metrics.trafficRecorder()));
        h.put(ApiKey.LIST_OFFSETS, new ListOffsetsHandler(id, host, clusterView));
        h.put(ApiKey.REPLICA_STATE, new ReplicaStateHandler(host));
        h.put(ApiKey.INIT_PRODUCER_ID, new InitProducerIdHandler(new ProducerIdAllocator(id, controller)));
        h.put(ApiKey.CREATE_TOPICS, new CreateTopicsHandler(controller, metadata));
        h.put(ApiKey.DELETE_TOPICS, new DeleteTopicsHandler(controller, metadata));
        h.put(ApiKey.CREATE_PARTITIONS, new CreatePartitionsHandler(controller, metadata));
        h.put(ApiKey.DESCRIBE_CONFIGS, new DescribeConfigsHandler(metadata));
        h.put(ApiKey.ALTER_CONFIGS, new AlterConfigsHandler(controller));
        h.put(ApiKey.DESCRIBE_CLUSTER, new DescribeClusterHandler(metadata, voters.keySet()));
        h.put(ApiKey.ALTER_PARTITION_REASSIGNMENTS, new AlterPartitionReassignmentsHandler(controller));
        h.put(ApiKey.DECOMMISSION_NODE, new DecommissionNodeHandler(controller));
        h.put(ApiKey.TRANSFER_LEADERSHIP, new TransferLeadershipHandler(host, clusterView, blocking));
        h.put(ApiKey.FIND_COORDINATOR, new FindCoordinatorHandler(clusterView, config.offsetsTopicNumPartitions(),
            () -> controller.ensureOffsetsTopic().thenApply(r -> null)));
        h.put(ApiKey.CONSUMER_GROUP_HEARTBEAT, new ConsumerGroupHeartbeatHandler(groups));
        h.put(ApiKey.OFFSET_COMMIT, new OffsetCommitHandler(groups));
        h.put(ApiKey.OFFSET_FETCH, new OffsetFetchHandler(groups));
        h.put(ApiKey.LIST_GROUPS, new ListGroupsHandler(groups));
        h.put(ApiKey.DESCRIBE_GROUPS, new DescribeGroupsHandler(groups));
        h.put(ApiKey.DELETE_GROUPS, new DeleteGroupsHandler(groups));
        return h;
    }

    /** Leaders of partitions hosted here come from this node's own Raft view, fresher than the controller's. */
    private LeaderTable.Leader leaderOf(final PartitionId partition) {
        final PartitionStateMachine sm = host.stateMachine(partition);
        if (sm != null && sm.leaderNodeId() != null) {
            try {
                final ReplicaStatus status = host.status(partition);
                return new LeaderTable.Leader(Integer.parseInt(sm.leaderNodeId()), status.term());
            } catch (final IOException | RuntimeException e) {
                // removed meanwhile: fall back to the controller's table
            }
        }
        return metadata.leaders().leader(partition.name());
    }

    private Map<String, Long> ledPartitions() {
        final Map<String, Long> led = new HashMap<>();
        for (final PartitionId p : host.partitions()) {
            final PartitionStateMachine sm = host.stateMachine(p);
            if (sm != null && sm.isLeaderReady()) {
                try {
                    led.put(p.name(), host.status(p).term());
                } catch (final IOException | RuntimeException e) {
                    // removed meanwhile
                }
            }
        }
        return led;
    }

    private int underReplicatedPartitions() {
        int count = 0;
        final MetadataImage image = metadata.image();
        for (final PartitionId p : host.partitions()) {
            final PartitionStateMachine sm = host.stateMachine(p);
            if (sm == null || !sm.isLeader()) {
                continue;
            }
            final TopicInfo topic = image.topic(p.topic());
            final PartitionInfo info = topic == null ? null : topic.partition(p.partition());
            try {
                final int isr = host.inSyncReplicas(p, REPLICA_LAG_MS, REPLICA_LAG_ENTRIES).size();
                if (info != null && isr < info.replicas().size()) {
                    count++;
                }
            } catch (final IOException | RuntimeException e) {
                // removed meanwhile
            }
        }
        return count;
    }

    private HealthCheck.Status membership() {
        if (!joined.isDone()) {
            return HealthCheck.Status.notReady("not yet registered with the controller");
        }
        final NodeInfo me = metadata.image().node(config.nodeId());
        if (me == null || me.state() == NodeState.FENCED) {
            return HealthCheck.Status.notReady("node is " + (me == null ? "not registered" : "fenced"));
        }
        return HealthCheck.Status.ok();
    }

    private HealthCheck.Status replicasSettled() {
        return reconciler.isSettled() ? HealthCheck.Status.ok()
            : HealthCheck.Status.notReady("replicas not yet matching the cluster metadata");
    }

    /**
     * @param timeout how long to wait
     * @throws TimeoutException when the node has not registered and received metadata in time
     */
    public void awaitJoined(final Duration timeout) throws TimeoutException {
        try {
            joined.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            throw new IllegalStateException("node=" + config.nodeId() + " could not join: " + e.getCause(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** @return the node's id */
    public int nodeId() {
        return config.nodeId();
    }

    /** @return the client port */
    public int port() {
        return server.boundPort();
    }

    /** @return the metrics and health port */
    public int adminPort() {
        return admin.port();
    }

    /** @return the partition Raft server (tests and tools) */
    public RaftServerHost raftHost() {
        return host;
    }

    /** @return this node's copy of the cluster metadata */
    public MetadataView metadata() {
        return metadata;
    }

    /** @return the node's settings */
    public NodeConfig config() {
        return config;
    }

    /** @return how many leaderships the last graceful stop moved to other replicas, -1 before one */
    public int leadershipsMovedOnStop() {
        return movedOnStop;
    }

    /** Stops at once, without moving leaderships (what a crash looks like to the other nodes). */
    public void kill() {
        closed = true;
        closeAll();
        LOG.info("node={} killed", config.nodeId());
    }

    /** Stops gracefully: moves this node's leaderships to other replicas, then stops every part. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        final int moved = new LeadershipDrainer(host, clusterView::replicas)
            .drain(config.shutdownLeadershipTransferTimeoutMs());
        movedOnStop = moved;
        LOG.info("node={} stopping after moving {} leaderships", config.nodeId(), moved);
        closeAll();
        LOG.info("node={} stopped", config.nodeId());
    }

    private <T extends AutoCloseable> T track(final T part) {
        started.add(part);
        return part;
    }

    private void closeAll() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (final Exception e) {
                LOG.warn("node={} error stopping {}: {}", config.nodeId(), started.get(i).getClass().getSimpleName(),
                    e.toString());
            }
        }
        started.clear();
        if (timer != null) {
            timer.shutdownNow();
        }
        if (blocking != null) {
            blocking.shutdownNow();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(final String name) {
        return r -> {
            final Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** The metadata image as the reconciler sees it; topic log settings are computed once per image. */
    private static final class DesiredReplicas implements ReplicaReconciler.Desired {
        private final MetadataImage image;
        private final Map<PartitionId, ReplicaReconciler.Assignment> assignments = new HashMap<>();
        private final Map<String, LogConfig> configs = new HashMap<>();
        private final LogConfig defaults;

        DesiredReplicas(final MetadataImage image, final LogConfig defaults) {
            this.image = image;
            this.defaults = defaults;
            for (final TopicInfo t : image.topics().values()) {
                for (final PartitionInfo p : t.partitions()) {
                    assignments.put(new PartitionId(t.name(), p.partition()),
                        new ReplicaReconciler.Assignment(p.replicas(), p.targetReplicas()));
                }
            }
        }

        @Override
        public Map<PartitionId, ReplicaReconciler.Assignment> assignments() {
            return assignments;
        }

        @Override
        public String raftAddress(final int nodeId) {
            final NodeInfo n = image.node(nodeId);
            return n == null ? null : n.raftAddress();
        }

        @Override
        public synchronized LogConfig logConfig(final PartitionId partition) {
            return configs.computeIfAbsent(partition.topic(), topic -> {
                final TopicInfo t = image.topic(topic);
                return t == null || t.configs().isEmpty() ? defaults : defaults.with(t.configs());
            });
        }
    }
}
