package dev.ferry.replication;

import dev.ferry.log.LogConfig;
import dev.ferry.log.LogDirectoryException;
import dev.ferry.log.LogManager;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.Time;
import dev.ferry.log.record.CorruptBatchException;
import dev.ferry.log.record.RecordBatch;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * One Raft server of a node, hosting the Raft groups of every partition replica the node holds with one
 * durability (multi-raft): one gRPC port, one set of Ratis settings, groups added and removed at run time.
 *
 * <p>Layout under the data directory:
 * <pre>
 *   raft/&lt;group-uuid&gt;/...     Ratis's own storage (small entries, snapshots = checkpoints)
 *   logs/&lt;topic-N&gt;/...        the partition logs (core-log segments): the data
 *   raft-groups.properties      group uuid = topic-N, so groups Ratis reloads at start find their partition
 * </pre>
 *
 * <p>Thread-safe.
 */
public final class RaftServerHost implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftServerHost.class);
    private static final String GROUPS_FILE = "raft-groups.properties";
    /** Entries of one partition replicated at once; more requests wait and share the next entry. */
    private static final int MAX_ENTRIES_IN_FLIGHT = 4;

    private final String nodeId;
    private final Path dataDir;
    private final Durability durability;
    private final LogConfig logConfig;
    /** The settings of each partition's log: a topic's overrides over the node's defaults. */
    private volatile Function<PartitionId, LogConfig> logConfigs;
    private final LogManager logManager;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final Map<RaftGroupId, PartitionId> partitions = new ConcurrentHashMap<>();
    private final Map<PartitionId, PartitionStateMachine> stateMachines = new ConcurrentHashMap<>();
    private final Map<PartitionId, EntryCoalescer> coalescers = new ConcurrentHashMap<>();
    private final Map<PartitionId, ProducerAdmission> admissions = new ConcurrentHashMap<>();
    private final int maxEntryBytes;
    private final CatchUpSource catchUpSource;
    /** Partition-log I/O of every replica here; never interrupted (see SerialExecutor). */
    private final ExecutorService ioPool;
    /**
     * Answers produce requests when their entries are written and committed. Never Ratis' own threads: Ratis
     * completes replies while holding a division's lock (a leader stepping down answers every pending request
     * under it), and an answer may need the coalescer's lock, whose holder may be waiting inside Ratis for that
     * division's lock (found by the 5-node chaos run's thread dump).
     */
    private final ExecutorService answerPool;
    private final ReplicaListeners listeners = new ReplicaListeners();
    /** Replicas whose Raft group is started: reloaded at start, or added and started by {@link #addReplica}. */
    private final Set<PartitionId> ready = ConcurrentHashMap.newKeySet();

    /**
     * Creates and starts the server; partitions found on disk are reloaded and reconciled with their Raft logs.
     *
     * @param nodeId this node's id, unique in the cluster
     * @param host address to bind and advertise
     * @param port gRPC port
     * @param dataDir the node's data directory for this durability
     * @param durability when writes are acknowledged
     * @param logConfig settings of the partition logs
     * @param tuning Raft timeouts and sizes
     * @param catchUpSource where replicas behind their leader's Raft log start copy segments from, or null
     * @throws IOException when the server cannot start
     */
    public RaftServerHost(final String nodeId, final String host, final int port, final Path dataDir,
                          final Durability durability, final LogConfig logConfig, final RaftTuning tuning,
                          final CatchUpSource catchUpSource) throws IOException {
        if (tuning.maxEntryBytes() < logConfig.maxBatchBytes()) {
            throw new IllegalArgumentException("raft maxEntryBytes=" + tuning.maxEntryBytes()
                + " must be >= max.batch.bytes=" + logConfig.maxBatchBytes());
        }
        this.nodeId = nodeId;
        this.maxEntryBytes = tuning.maxEntryBytes();
        this.catchUpSource = catchUpSource;
        this.ioPool = daemonPool(Math.max(2, Runtime.getRuntime().availableProcessors()), "ferry-log-io-" + nodeId);
        this.answerPool = daemonPool(2, "ferry-answers-" + nodeId);
        this.dataDir = Files.createDirectories(dataDir);
        this.durability = durability;
        this.logConfig = logConfig;
        this.logConfigs = p -> logConfig;
        this.logManager = new LogManager(dataDir.resolve("logs"), Time.SYSTEM, LogManager.DEFAULT_CHECK_INTERVAL_MS,
            this::retentionBound);
        loadGroups();
        final Path raftDir = Files.createDirectories(dataDir.resolve("raft"));
        setAsideUnstartableGroups(raftDir);
        this.server = RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf(nodeId))
            .setProperties(RaftPropertiesFactory.create(raftDir, host, port, durability, tuning))
            .setParameters(new Parameters())
            .setStateMachineRegistry(this::newStateMachine)
            .build();
        server.start();
        for (final RaftGroupId gid : server.getGroupIds()) {
            reconcile(gid);
            ready.add(partitions.get(gid));
        }
        LOG.info("node={} raft server started on {}:{} durability={} partitions={}", nodeId, host, port, durability,
            stateMachines.size());
    }

    /**
     * @param nodeId a node's id
     * @param address its Raft address, host:port
     * @return the Raft peer
     */
    public static RaftPeer peer(final String nodeId, final String address) {
        return peer(nodeId, address, 0);
    }

    /**
     * A replica with a leadership priority. Ratis moves leadership to the caught-up replica with the highest
     * priority, but its candidates also wait for a higher-priority replica's vote until the round times out, which
     * delays every election after that replica's machine dies: Ferry uses a higher priority only for a new
     * partition's first election and balances leaders itself (the node's reconciler).
     *
     * @param nodeId a node's id
     * @param address its Raft address, host:port
     * @param priority higher is preferred; 0 for no preference
     * @return the Raft peer
     */
    public static RaftPeer peer(final String nodeId, final String address, final int priority) {
        return RaftPeer.newBuilder().setId(nodeId).setAddress(address).setPriority(priority).build();
    }

    private PartitionStateMachine newStateMachine(final RaftGroupId gid) {
        final PartitionId partition = partitions.get(gid);
        if (partition == null) {
            throw new IllegalStateException("node=" + nodeId + " has no partition for raft group " + gid
                + "; " + dataDir.resolve(GROUPS_FILE) + " lost it");
        }
        final PartitionStateMachine sm = new PartitionStateMachine(partition, nodeId, durability, this::openLog,
            catchUpSource, ioPool, listeners);
        stateMachines.put(partition, sm);
        return sm;
    }

    private PartitionLog openLog(final PartitionId partition) {
        try {
            try {
                return logManager.open(partition.name(), checkedLogConfig(partition));
            } catch (final LogDirectoryException e) {
                // One damaged partition must not keep the node (every other replica) from starting. Its replica
                // starts empty instead; its Raft log and checkpoint then show the data as missing, which takes it
                // out of service until it is rebuilt from its peers.
                final Path aside = logManager.setAside(partition.name());
                LOG.error("partition={} node={} log refused to open, moved aside to {}; the replica starts empty and"
                    + " out of service, to be rebuilt from its peers: {}", partition, nodeId, aside, e.getMessage());
                return logManager.open(partition.name(), checkedLogConfig(partition));
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LogConfig checkedLogConfig(final PartitionId partition) {
        final LogConfig config = logConfigs.apply(partition);
        if (config.maxBatchBytes() > maxEntryBytes) {
            throw new IllegalArgumentException("partition=" + partition + " max.batch.bytes=" + config.maxBatchBytes()
                + " must be <= raft maxEntryBytes=" + maxEntryBytes);
        }
        return config;
    }

    /** @return the node's default log settings, for partitions without overrides */
    public LogConfig defaultLogConfig() {
        return logConfig;
    }

    /**
     * Sets where the settings of each partition's log come from (the topic's configs in the cluster metadata).
     * Logs opened later use it; open logs are changed with {@link #updateLogConfig}.
     *
     * @param configs partition to its log settings; must not block
     */
    public void setLogConfigs(final Function<PartitionId, LogConfig> configs) {
        this.logConfigs = configs;
    }

    /**
     * Applies changed settings to a partition's open log, if this node hosts it.
     *
     * @param partition the partition
     * @param config the new settings
     * @throws IllegalArgumentException when max.batch.bytes exceeds the Raft entry size
     */
    public void updateLogConfig(final PartitionId partition, final LogConfig config) {
        if (config.maxBatchBytes() > maxEntryBytes) {
            throw new IllegalArgumentException("partition=" + partition + " max.batch.bytes=" + config.maxBatchBytes()
                + " must be <= raft maxEntryBytes=" + maxEntryBytes);
        }
        final PartitionStateMachine sm = stateMachines.get(partition);
        if (sm != null && sm.log() != null && !config.equals(sm.log().config())) {
            sm.log().updateConfig(config);
        }
    }

    /** Retention deletes only data whose Raft entries are purged: below the latest snapshot's high watermark. */
    private long retentionBound(final PartitionLog log) {
        final PartitionStateMachine sm = stateMachines.get(PartitionId.parse(log.name()));
        return sm == null ? 0 : sm.retentionBound();
    }

    /**
     * Takes a checkpoint of a partition now and purges its Raft log up to it (normally automatic every
     * {@link RaftTuning#snapshotEntries()} entries).
     *
     * @param partition the partition
     * @return the Raft index of the checkpoint
     * @throws IOException when Ratis refuses
     */
    public long snapshot(final PartitionId partition) throws IOException {
        final RaftClientReply reply = server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId,
            server.getId(), RaftGroupId.valueOf(partition.raftGroupUuid()), callIds.incrementAndGet(), 30_000));
        if (!reply.isSuccess()) {
            throw new IOException("snapshot of partition=" + partition + " failed: " + reply.getException());
        }
        return reply.getLogIndex();
    }

    /**
     * Changes a partition's replicas (reassignment: add, remove or replace). Call on the leader after the new
     * replicas' nodes have {@link #addReplica added} the partition with the new peer list; a new replica
     * catches up by copying the leader's segments.
     *
     * @param partition the partition
     * @param peers the new full set of replicas
     * @throws IOException when Ratis refuses or times out
     */
    public void changeReplicas(final PartitionId partition, final List<RaftPeer> peers) throws IOException {
        final RaftClientReply reply = server.setConfiguration(new SetConfigurationRequest(clientId, server.getId(),
            RaftGroupId.valueOf(partition.raftGroupUuid()), callIds.incrementAndGet(), peers));
        if (!reply.isSuccess()) {
            throw new IOException("replica change of partition=" + partition + " to " + peers + " failed: "
                + reply.getException());
        }
        LOG.info("partition={} node={} replicas changed to {}", partition, nodeId, peers);
    }

    private void reconcile(final RaftGroupId gid) throws IOException {
        final RaftServer.Division division = server.getDivision(gid);
        final TermIndex last = division.getRaftLog().getLastEntryTermIndex();
        final PartitionStateMachine sm = (PartitionStateMachine) division.getStateMachine();
        final TermIndex snapshot = sm.getLastAppliedTermIndex();
        final long lastIndex = Math.max(last == null ? -1 : last.getIndex(), snapshot == null ? -1
            : snapshot.getIndex());
        sm.reconcileWithRaftLog(lastIndex, division.getRaftLog());
    }

    /**
     * Starts hosting a replica of a partition. Every replica's node calls this with the same peers.
     *
     * @param partition the partition
     * @param peers all its replicas (this node among them)
     * @throws IOException when Ratis refuses the group
     */
    public void addReplica(final PartitionId partition, final List<RaftPeer> peers) throws IOException {
        final RaftGroupId gid = RaftGroupId.valueOf(partition.raftGroupUuid());
        final boolean fresh = !stateMachines.containsKey(partition);
        if (partitions.putIfAbsent(gid, partition) == null) {
            saveGroups();
        }
        final RaftClientReply reply;
        try {
            reply = server.groupManagement(GroupManagementRequest.newAdd(clientId, server.getId(),
                callIds.incrementAndGet(), RaftGroup.valueOf(gid, peers)));
        } catch (final IOException e) {
            if (fresh) {
                discardFailedAdd(partition, gid);
            }
            throw new IOException("node=" + nodeId + " could not add partition=" + partition + ": " + e, e);
        }
        if (!reply.isSuccess()) {
            if (fresh) {
                discardFailedAdd(partition, gid);
            }
            throw new IOException("node=" + nodeId + " could not add partition=" + partition + ": "
                + reply.getException());
        }
        reconcile(gid);
        ready.add(partition);
        LOG.info("partition={} node={} replica added, peers={}", partition, nodeId, peers);
    }

    /**
     * A new replica whose group did not start (for example contacted by its leader while starting) is removed
     * again, so that the next add starts from nothing instead of finding a half-made group.
     */
    private void discardFailedAdd(final PartitionId partition, final RaftGroupId gid) {
        try {
            server.groupManagement(GroupManagementRequest.newRemove(clientId, server.getId(),
                callIds.incrementAndGet(), gid, true, false));
        } catch (final IOException | RuntimeException e) {
            LOG.warn("partition={} node={} cleaning up a failed add: {}", partition, nodeId, e.toString());
        }
        stateMachines.remove(partition);
        try {
            logManager.remove(partition.name(), true);
        } catch (final IOException | RuntimeException e) {
            LOG.warn("partition={} node={} removing the log of a failed add: {}", partition, nodeId, e.toString());
        }
        LOG.warn("partition={} node={} replica add failed; discarded its half-made group", partition, nodeId);
    }

    /**
     * @param partition a partition hosted here
     * @return false when Ratis closed the replica's group (it must be removed and added again)
     */
    public boolean isAlive(final PartitionId partition) {
        try {
            return server.getDivision(RaftGroupId.valueOf(partition.raftGroupUuid())).getInfo().isAlive();
        } catch (final IOException e) {
            return false;
        }
    }

    /**
     * @param partition a partition
     * @return true when this node hosts a started replica of it (its leader may add it to the Raft group)
     */
    public boolean isReady(final PartitionId partition) {
        return ready.contains(partition);
    }

    /**
     * Stops hosting a replica; with {@code deleteData} its Raft and partition logs are removed.
     *
     * @param partition the partition
     * @param deleteData whether to delete the replica's files
     * @throws IOException when Ratis refuses
     */
    public void removeReplica(final PartitionId partition, final boolean deleteData) throws IOException {
        final RaftGroupId gid = RaftGroupId.valueOf(partition.raftGroupUuid());
        final RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(clientId,
            server.getId(), callIds.incrementAndGet(), gid, deleteData, false));
        if (!reply.isSuccess()) {
            throw new IOException("node=" + nodeId + " could not remove partition=" + partition + ": "
                + reply.getException());
        }
        ready.remove(partition);
        stateMachines.remove(partition);
        coalescers.remove(partition);
        admissions.remove(partition);
        partitions.remove(gid);
        saveGroups();
        logManager.remove(partition.name(), deleteData);
    }

    /**
     * Takes an out-of-service replica out of leadership: it stops campaigning, and steps down when it leads, so
     * that a healthy replica leads and the partition can take writes while this one waits to be rebuilt
     * ({@link #rebuildReplica}).
     *
     * @param partition a partition hosted here
     * @throws IOException when Ratis refuses
     */
    public void retireFromLeadership(final PartitionId partition) throws IOException {
        final RaftGroupId gid = RaftGroupId.valueOf(partition.raftGroupUuid());
        final RaftClientReply paused = server.leaderElectionManagement(LeaderElectionManagementRequest.newPause(
            clientId, server.getId(), gid, callIds.incrementAndGet()));
        if (!paused.isSuccess()) {
            throw new IOException("pausing elections of partition=" + partition + " failed: "
                + paused.getException());
        }
        if (server.getDivision(gid).getInfo().isLeader()) {
            final RaftClientReply reply = server.transferLeadership(new TransferLeadershipRequest(clientId,
                server.getId(), gid, callIds.incrementAndGet(), null, 10_000));
            if (!reply.isSuccess()) {
                throw new IOException("step-down of partition=" + partition + " failed: " + reply.getException());
            }
        }
    }

    /**
     * Rebuilds a replica that went out of service (a failed disk write, data found damaged or missing at start)
     * from its peers: its Raft group and partition log are deleted and the replica is added again, empty, with
     * the group's current replicas; its leader then catches it up as any lagging follower (entries, or a copy of
     * its segments). Call it only while another replica leads the partition: this one's data is gone after.
     *
     * @param partition a partition hosted here
     * @throws IOException when Ratis refuses the removal or the add
     */
    public void rebuildReplica(final PartitionId partition) throws IOException {
        final List<RaftPeer> peers = currentPeers(partition);
        LOG.warn("partition={} node={} rebuilding the replica from its peers: deleting its files", partition, nodeId);
        removeReplica(partition, true);
        addReplica(partition, peers);
    }

    /**
     * Appends batches to a partition this node leads. The batches are validated here, on the caller's thread,
     * then queued in the partition's {@link EntryCoalescer}: requests that arrive while earlier entries
     * replicate share the next Raft entry. The bytes are handed to Ratis without a copy.
     *
     * @param partition the partition
     * @param batches one or more record batches; must not change until the future completes
     * @param acks when the returned future completes
     * @return the offsets (for {@link Acks#NONE}: {@link AppendResult#UNKNOWN} at once); fails with
     *         {@link NotLeaderException} on a follower, with the batch's validation error for a bad batch
     */
    public CompletableFuture<AppendResult> append(final PartitionId partition, final ByteBuffer batches,
                                                  final Acks acks) {
        final PartitionStateMachine sm = stateMachines.get(partition);
        if (sm == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("node=" + nodeId
                + " hosts no replica of partition=" + partition));
        }
        final RecordBatch batch = new RecordBatch();
        final CompletableFuture<AppendResult> result;
        try {
            sm.validate(batches);
            final boolean idempotent = hasProducerId(batches, batch);
            batch.wrap(batches, batches.position());
            if (idempotent) {
                checkIdempotentAdmission(partition, sm, batches, batch);
            }
            final ProducerAdmission gate = admissions.computeIfAbsent(partition, p -> new ProducerAdmission(p, sm));
            synchronized (gate) {
                final CompletableFuture<AppendResult> answered = idempotent ? gate.admit(batch) : null;
                if (answered != null) {
                    return acks == Acks.NONE ? CompletableFuture.completedFuture(AppendResult.UNKNOWN) : answered;
                }
                result = coalescers.computeIfAbsent(partition, p -> new EntryCoalescer(MAX_ENTRIES_IN_FLIGHT,
                    answerPool, maxEntryBytes, data -> submit(p, sm, data)))
                    .submit(batches, acks == Acks.NONE ? Acks.ALL : acks);
                if (idempotent) {
                    gate.track(batch, result);
                }
            }
        } catch (final RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return acks == Acks.NONE ? CompletableFuture.completedFuture(AppendResult.UNKNOWN) : result;
    }

    private static boolean hasProducerId(final ByteBuffer batches, final RecordBatch batch) {
        for (int pos = batches.position(); pos < batches.limit(); pos += batch.sizeInBytes()) {
            if (batch.wrap(batches, pos).producerId() >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The gate judges a batch against producer state that must already hold every entry of the Raft log before
     * the batch's own: on a leader that has applied the first entry of its term, entries of earlier terms are
     * written (a retry of a batch in one of them is then a duplicate, not a second copy). And it judges one batch
     * per request, as Kafka requires of idempotent producers: the batches of one request share one answer.
     */
    private void checkIdempotentAdmission(final PartitionId partition, final PartitionStateMachine sm,
                                          final ByteBuffer batches, final RecordBatch first) {
        if (first.sizeInBytes() != batches.remaining()) {
            throw new CorruptBatchException("an idempotent producer's batch must come alone, one per partition and "
                + "request: partition=" + partition + " batches="
                + EntryCoalescer.batchCount(batches));
        }
        if (!sm.isLeaderReady()) {
            if (!sm.isLeader()) {
                throw new NotLeaderException(partition, nodeId, sm.leaderNodeId());
            }
            throw new ReplicaUnhealthyException("leader not ready: partition=" + partition + " node=" + nodeId,
                new LeaderNotReadyException(RaftGroupMemberId.valueOf(server.getId(),
                    RaftGroupId.valueOf(partition.raftGroupUuid()))));
        }
    }

    private EntryCoalescer.EntryFutures submit(final PartitionId partition, final PartitionStateMachine sm,
                                               final ByteString data) {
        final long callId = callIds.incrementAndGet();
        final RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId)
            .setServerId(server.getId()).setGroupId(RaftGroupId.valueOf(partition.raftGroupUuid())).setCallId(callId)
            .setMessage(Message.valueOf(data)).setType(RaftClientRequest.writeRequestType()).build();
        final EntryOutcome outcome = new EntryOutcome();
        sm.expectLeaderAppend(callId, outcome);
        CompletableFuture<EntryOutcome> committed;
        try {
            committed = server.submitClientRequestAsync(request)
                .thenApply(reply -> toResult(partition, reply, outcome));
        } catch (final IOException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        committed.whenComplete((r, e) -> {
            if (e != null) {
                outcome.appended().completeExceptionally(e);
            }
        });
        return new EntryCoalescer.EntryFutures(outcome.appended(), committed);
    }

    private EntryOutcome toResult(final PartitionId partition, final RaftClientReply reply,
                                  final EntryOutcome outcome) {
        if (reply.isSuccess()) {
            // The leader's write filled the outcome before the entry could commit.
            return outcome.appended().join();
        }
        if (reply.getNotLeaderException() != null) {
            final RaftPeer leader = reply.getNotLeaderException().getSuggestedLeader();
            throw new NotLeaderException(partition, nodeId, leader == null ? null : leader.getId().toString());
        }
        final Throwable cause = reply.getException();
        if (cause != null && cause.getCause() instanceof RuntimeException) {
            throw (RuntimeException) cause.getCause();
        }
        throw new ReplicaUnhealthyException("append failed: partition=" + partition + " node=" + nodeId + ": "
            + cause, cause);
    }

    private static ExecutorService daemonPool(final int threads, final String name) {
        final AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            final Thread t = new Thread(r, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Moves a partition's leadership to another replica (this node must lead it). Ratis hands leadership only to
     * a replica with no other of higher priority: when another has one (a new partition's preferred replica), the
     * target's is first raised to it by a configuration change. {@link #currentPeers} shows it; the node's
     * reconciler evens priorities out later.
     *
     * @param partition the partition
     * @param targetNodeId the replica to lead
     * @param timeoutMs how long to wait
     * @throws IOException when the transfer fails or times out
     */
    public void transferLeadership(final PartitionId partition, final String targetNodeId, final long timeoutMs)
        throws IOException {
        final List<RaftPeer> peers = currentPeers(partition);
        int highest = 0;
        RaftPeer target = null;
        for (final RaftPeer p : peers) {
            if (p.getId().toString().equals(targetNodeId)) {
                target = p;
            } else {
                highest = Math.max(highest, p.getPriority());
            }
        }
        if (target == null) {
            throw new IOException("leadership transfer of partition=" + partition + ": node=" + targetNodeId
                + " is not a replica; replicas=" + peers);
        }
        if (target.getPriority() < highest) {
            final List<RaftPeer> raised = new ArrayList<>(peers.size());
            for (final RaftPeer p : peers) {
                raised.add(p == target ? peer(targetNodeId, p.getAddress(), highest) : p);
            }
            changeReplicas(partition, raised);
        }
        final RaftClientReply reply = server.transferLeadership(new TransferLeadershipRequest(clientId,
            server.getId(), RaftGroupId.valueOf(partition.raftGroupUuid()), callIds.incrementAndGet(),
            RaftPeerId.valueOf(targetNodeId), timeoutMs));
        if (!reply.isSuccess()) {
            throw new IOException("leadership transfer of partition=" + partition + " to node=" + targetNodeId
                + " failed: " + reply.getException());
        }
    }

    /**
     * @param partition a partition this node hosts
     * @return the replicas (with their priorities) of the partition's current Raft configuration
     * @throws IOException when the partition is not hosted here
     */
    public List<RaftPeer> currentPeers(final PartitionId partition) throws IOException {
        return List.copyOf(server.getDivision(RaftGroupId.valueOf(partition.raftGroupUuid())).getRaftConf()
            .getCurrentPeers());
    }

    /**
     * @param partition a partition this node hosts
     * @return the replica's state machine, or null
     */
    public PartitionStateMachine stateMachine(final PartitionId partition) {
        return stateMachines.get(partition);
    }

    /**
     * @param partition a partition this node hosts
     * @return leader, term and commit index as this replica sees them
     * @throws IOException when the partition is not hosted here
     */
    public ReplicaStatus status(final PartitionId partition) throws IOException {
        final RaftServer.Division d = server.getDivision(RaftGroupId.valueOf(partition.raftGroupUuid()));
        final RaftPeerId leader = d.getInfo().getLeaderId();
        final PartitionStateMachine sm = (PartitionStateMachine) d.getStateMachine();
        return new ReplicaStatus(partition, nodeId, d.getInfo().isLeader(), leader == null ? null : leader.toString(),
            d.getInfo().getCurrentTerm(), d.getRaftLog().getLastCommittedIndex(), sm.highWatermark().offset(),
            sm.log().logEndOffset());
    }

    /**
     * Adds a listener for high watermark and leadership changes of every replica here, present and future.
     *
     * @param listener the listener
     */
    public void addListener(final ReplicaListener listener) {
        listeners.add(listener);
    }

    /** @return the partitions this node hosts a replica of (a snapshot) */
    public Set<PartitionId> partitions() {
        return Set.copyOf(stateMachines.keySet());
    }

    /**
     * The replicas a partition's leader sees as caught up, as Kafka's ISR: itself, and each follower that
     * answered within {@code maxLagMs} and whose log matches the leader's up to at least
     * {@code maxLagEntries} entries below the commit index.
     *
     * @param partition a partition this node leads
     * @param maxLagMs how long ago a follower must have answered at the latest
     * @param maxLagEntries how many Raft entries below the commit index a follower may be
     * @return node ids of the in-sync replicas, this leader first; empty when this node does not lead
     * @throws IOException when the partition is not hosted here
     */
    public List<String> inSyncReplicas(final PartitionId partition, final long maxLagMs, final long maxLagEntries)
        throws IOException {
        final RaftServer.Division d = server.getDivision(RaftGroupId.valueOf(partition.raftGroupUuid()));
        if (!d.getInfo().isLeader()) {
            return List.of();
        }
        final long commit = d.getRaftLog().getLastCommittedIndex();
        final long[] match = d.getInfo().getFollowerMatchIndices();
        final List<ServerRpcProto> followers = d.getInfo().getRoleInfoProto()
            .getLeaderInfo().getFollowerInfoList();
        final List<String> isr = new ArrayList<>();
        isr.add(nodeId);
        // Ratis lists followers in the same order in both (the leader's log appenders).
        for (int i = 0; i < followers.size() && i < match.length; i++) {
            final ServerRpcProto f = followers.get(i);
            // A follower that never matched an entry (-1) is not in sync, however young the log: one whose Raft
            // log lost its first entries looked in sync to the chaos suite while it never caught up.
            if (f.getLastRpcElapsedTimeMs() <= maxLagMs && match[i] >= 0 && match[i] >= commit - maxLagEntries) {
                isr.add(f.getId().getId().toStringUtf8());
            }
        }
        return isr;
    }

    /** @return this node's id */
    public String nodeId() {
        return nodeId;
    }

    /**
     * A group whose term and vote were lost ({@link RaftGroupStorage}) would keep Ratis, and with it every replica
     * of this node, from starting: its directory and its partition's log go aside, the partition is dropped from
     * this node's groups, and the node's reconciler adds the replica back empty, to be caught up by its leader.
     */
    private void setAsideUnstartableGroups(final Path raftDir) throws IOException {
        boolean changed = false;
        try (var dirs = Files.list(raftDir)) {
            for (final Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                final RaftGroupId gid;
                try {
                    gid = RaftGroupId.valueOf(java.util.UUID.fromString(dir.getFileName().toString()));
                } catch (final IllegalArgumentException notAGroup) {
                    continue;
                }
                final String problem = RaftGroupStorage.metadataProblem(dir);
                if (problem == null) {
                    continue;
                }
                final Path aside = RaftGroupStorage.setAside(dir);
                final PartitionId partition = partitions.remove(gid);
                Path logAside = null;
                if (partition != null && Files.exists(dataDir.resolve("logs").resolve(partition.name()))) {
                    logAside = logManager.setAside(partition.name());
                }
                changed = true;
                LOG.error("partition={} node={} raft group {} cannot start: {}; moved aside to {} (log to {}); the "
                    + "replica is added back empty and rebuilt from its peers", partition, nodeId, gid, problem,
                    aside, logAside);
            }
        }
        if (changed) {
            saveGroups();
        }
    }

    private void loadGroups() throws IOException {
        final Path file = dataDir.resolve(GROUPS_FILE);
        if (!Files.exists(file)) {
            return;
        }
        final Properties p = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        }
        for (final String uuid : p.stringPropertyNames()) {
            partitions.put(RaftGroupId.valueOf(java.util.UUID.fromString(uuid)),
                PartitionId.parse(p.getProperty(uuid)));
        }
    }

    private synchronized void saveGroups() throws IOException {
        final Properties p = new Properties();
        partitions.forEach((gid, partition) -> p.setProperty(gid.getUuid().toString(), partition.name()));
        final Path tmp = dataDir.resolve(GROUPS_FILE + ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "raft group uuid = partition; written by RaftServerHost");
        }
        Files.move(tmp, dataDir.resolve(GROUPS_FILE), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Stops the Raft server and closes every partition log cleanly.
     *
     * @throws IOException on a close error
     */
    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            // Not shutdownNow(): an interrupt would close channels of logs still being closed.
            ioPool.shutdown();
            answerPool.shutdown();
            logManager.close();
        }
        LOG.info("node={} raft server stopped", nodeId);
    }
}
