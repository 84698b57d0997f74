package dev.ferry.node.group;

import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.DeleteGroupsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.GroupDescription;
import dev.ferry.client.protocol.proto.GroupListing;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitPartitionResult;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.OffsetFetchPartition;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.client.protocol.proto.OffsetFetchResponse;
import dev.ferry.log.Time;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.replication.NotLeaderException;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Coordinates the consumer groups whose {@code __consumer_offsets} partition this node leads (Kafka's group
 * coordinator, KIP-848 protocol). Register it with {@link RaftServerHost#addListener}: when this node becomes the
 * ready leader of an offsets partition, the partition's log is replayed on a loader thread, and only then does
 * the coordinator answer for its groups; when leadership goes, the groups are dropped and their requests get
 * NOT_COORDINATOR. Members are kept in memory only: after a coordinator move they rejoin (UNKNOWN_MEMBER_ID).
 *
 * <p>Threading: all group and offset state lives on one coordinator thread, so it needs no locks; the public
 * methods are thread-safe, never block, and complete their futures on that thread (commits once replicated).
 * Replica events arrive on Raft threads and are handed to it.
 */
public final class GroupCoordinator implements ReplicaListener, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    private static final long LOAD_RETRY_MS = 1_000;

    private final String nodeId;
    private final RaftServerHost host;
    private final ClusterView view;
    private final GroupConfig config;
    private final Time time;
    private final ScheduledExecutorService thread;
    private final ExecutorService loader;
    /** Offsets partitions led here, by partition number; coordinator thread only. */
    private final Map<Integer, Shard> shards = new HashMap<>();
    /** Bumped on every leadership event of a partition, so a load for an older leadership is dropped. */
    private final Map<Integer, Long> generations = new HashMap<>();

    /** The groups of one offsets partition. */
    private static final class Shard {
        final PartitionId partition;
        final long generation;
        final Map<String, ConsumerGroup> groups = new HashMap<>();
        OffsetStore store;

        Shard(final PartitionId partition, final long generation) {
            this.partition = partition;
            this.generation = generation;
        }
    }

    /**
     * @param nodeId this node's id (its Raft peer id is {@code Integer.toString(nodeId)})
     * @param host the node's Raft host, which hosts the offsets partitions assigned here
     * @param view partition counts of subscribed topics
     * @param config settings
     * @param time clock for session deadlines and commit timestamps
     */
    public GroupCoordinator(final int nodeId, final RaftServerHost host, final ClusterView view,
                            final GroupConfig config, final Time time) {
        this.nodeId = Integer.toString(nodeId);
        this.host = host;
        this.view = view;
        this.config = config;
        this.time = time;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ferry-group-coordinator-" + nodeId));
        this.loader = Executors.newSingleThreadExecutor(r -> daemon(r, "ferry-group-loader-" + nodeId));
        final long period = Math.max(10, Math.min(config.heartbeatIntervalMs(), config.sessionTimeoutMs() / 4));
        thread.scheduleAtFixedRate(this::expireMembers, period, period, TimeUnit.MILLISECONDS);
        // Partitions this node already leads when the listener is added late.
        for (final PartitionId p : host.partitions()) {
            final PartitionStateMachine sm = host.stateMachine(p);
            if (InternalTopics.CONSUMER_OFFSETS.equals(p.topic()) && sm != null && sm.isLeaderReady()) {
                onLeadershipChange(p, this.nodeId, true);
            }
        }
    }

    private static Thread daemon(final Runnable r, final String name) {
        final Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ---- leadership and loading -----------------------------------------------------------------------------

    @Override
    public void onLeadershipChange(final PartitionId partition, final String leaderNodeId,
                                   final boolean leaderReady) {
        if (!InternalTopics.CONSUMER_OFFSETS.equals(partition.topic())
            || partition.partition() >= config.offsetsPartitions()) {
            return;
        }
        if (thread.isShutdown()) {
            return;
        }
        final boolean lead = leaderReady && nodeId.equals(leaderNodeId);
        thread.execute(() -> {
            final int k = partition.partition();
            final long generation = generations.merge(k, 1L, Long::sum);
            final Shard old = shards.remove(k);
            if (old != null) {
                LOG.info("partition={} node={} no longer coordinating groups={} (leader={})", partition, nodeId,
                    old.groups.size(), leaderNodeId);
            }
            if (lead) {
                shards.put(k, new Shard(partition, generation));
                load(partition, generation);
            }
        });
    }

    private void load(final PartitionId partition, final long generation) {
        loader.execute(() -> {
            try {
                final PartitionStateMachine sm = host.stateMachine(partition);
                final long hw = sm == null ? -1 : sm.highWatermarkForReads();
                if (sm == null || !sm.isLeaderReady() || hw < 0) {
                    LOG.info("partition={} node={} lost leadership before loading offsets", partition, nodeId);
                    return;
                }
                final Map<String, Map<TopicPartition, OffsetAndMetadata>> loaded =
                    OffsetStore.replay(partition, sm.log(), hw);
                thread.execute(() -> {
                    final Shard shard = shards.get(partition.partition());
                    if (shard != null && shard.generation == generation) {
                        shard.store = new OffsetStore(partition, host, thread, loaded);
                        LOG.info("partition={} node={} coordinating: offsets loaded for groups={}", partition,
                            nodeId, loaded.size());
                    }
                });
            } catch (final Exception e) {
                LOG.warn("partition={} node={} loading offsets failed, retrying in {} ms: {}", partition, nodeId,
                    LOAD_RETRY_MS, e.toString());
                thread.schedule(() -> {
                    final Shard shard = shards.get(partition.partition());
                    if (shard != null && shard.generation == generation) {
                        load(partition, generation);
                    }
                }, LOAD_RETRY_MS, TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * @param groupId a group
     * @return the group's offsets partition: its leader is the group's coordinator
     */
    public PartitionId offsetsPartition(final String groupId) {
        return new PartitionId(InternalTopics.CONSUMER_OFFSETS,
            InternalTopics.offsetsPartitionFor(groupId, config.offsetsPartitions()));
    }

    /** @return the settings */
    public GroupConfig config() {
        return config;
    }

    /** A shard ready for the group, or the error to answer with. */
    private record Lookup(Shard shard, ErrorCode error, String message) {
    }

    private Lookup lookup(final String groupId) {
        if (groupId == null || groupId.isEmpty()) {
            return new Lookup(null, ErrorCode.INVALID_REQUEST, "group_id is empty");
        }
        final PartitionId p = offsetsPartition(groupId);
        final Shard shard = shards.get(p.partition());
        if (shard == null) {
            return new Lookup(null, ErrorCode.NOT_COORDINATOR, "node " + nodeId + " is not the coordinator of group "
                + groupId + " (partition " + p + ")");
        }
        if (shard.store == null) {
            return new Lookup(null, ErrorCode.COORDINATOR_NOT_AVAILABLE, "node " + nodeId
                + " is loading the offsets of partition " + p + "; retry");
        }
        return new Lookup(shard, ErrorCode.NONE, "");
    }

    private <T> CompletableFuture<T> onThread(final Supplier<T> work) {
        try {
            return CompletableFuture.supplyAsync(work, thread);
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- heartbeats -----------------------------------------------------------------------------------------

    /**
     * Handles a member's heartbeat: join (epoch 0), leave (epoch -1), or keep alive and reconcile.
     *
     * @param request the heartbeat
     * @param clientId the client's id from the request header
     * @param clientHost the client's address
     * @return the response, with an error code for every expected failure
     */
    public CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(final ConsumerGroupHeartbeatRequest request,
                                                                       final String clientId,
                                                                       final String clientHost) {
        return onThread(() -> {
            final Lookup l = lookup(request.getGroupId());
            if (l.error != ErrorCode.NONE) {
                return heartbeatError(l.error, l.message);
            }
            return heartbeat(l.shard, request, clientId, clientHost);
        });
    }

    private ConsumerGroupHeartbeatResponse heartbeat(final Shard shard, final ConsumerGroupHeartbeatRequest req,
                                                     final String clientId, final String clientHost) {
        final String groupId = req.getGroupId();
        final String assignor = req.getServerAssignor();
        if (!assignor.isEmpty() && PartitionAssignor.forName(assignor) == null) {
            return heartbeatError(ErrorCode.INVALID_REQUEST, "unknown server_assignor: " + assignor
                + " (range or sticky)");
        }
        final int epoch = req.getMemberEpoch();
        if (epoch == -1 || epoch == -2) {
            final ConsumerGroup group = shard.groups.get(groupId);
            if (group != null && group.members.containsKey(req.getMemberId())) {
                group.remove(req.getMemberId());
                group.maybeAssign(view::partitionCount);
                LOG.info("partition={} node={} group={} member={} left; groupEpoch={}", shard.partition, nodeId,
                    groupId, req.getMemberId(), group.groupEpoch());
            }
            return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(req.getMemberId()).setMemberEpoch(epoch)
                .setHeartbeatIntervalMs(config.heartbeatIntervalMs()).build();
        }
        final ConsumerGroup group;
        final GroupMember member;
        if (epoch == 0) {
            if (req.getSubscribedTopicNamesCount() == 0) {
                return heartbeatError(ErrorCode.INVALID_REQUEST, "a joining member must subscribe to a topic");
            }
            group = shard.groups.computeIfAbsent(groupId, ConsumerGroup::new);
            final String memberId = req.getMemberId().isEmpty() ? UUID.randomUUID().toString() : req.getMemberId();
            // A member that rejoins under its old id (after being fenced) starts over.
            group.remove(memberId);
            member = new GroupMember(memberId, req.getInstanceId(), clientId, clientHost);
            member.subscribedTopics = new TreeSet<>(req.getSubscribedTopicNamesList());
            member.rebalanceTimeoutMs = req.getRebalanceTimeoutMs() > 0 ? req.getRebalanceTimeoutMs()
                : config.sessionTimeoutMs();
            group.add(member);
            LOG.info("partition={} node={} group={} member={} joined; groupEpoch={}", shard.partition, nodeId,
                groupId, memberId, group.groupEpoch());
        } else {
            group = shard.groups.get(groupId);
            member = group == null ? null : group.members.get(req.getMemberId());
            if (member == null) {
                return heartbeatError(ErrorCode.UNKNOWN_MEMBER_ID, "group " + groupId + " has no member "
                    + req.getMemberId() + "; rejoin with member_epoch 0");
            }
            if (epoch != member.memberEpoch && epoch != member.previousMemberEpoch) {
                return heartbeatError(ErrorCode.FENCED_MEMBER_EPOCH, "member " + member.memberId + " of group "
                    + groupId + " sent epoch " + epoch + " but is at epoch " + member.memberEpoch
                    + "; rejoin with member_epoch 0");
            }
        }
        // An empty list is "unchanged" too: proto3 cannot tell an unset flag from false, and a member that wants
        // no topics leaves instead.
        if (!req.getSubscriptionUnchanged() && epoch != 0 && req.getSubscribedTopicNamesCount() > 0) {
            group.subscribe(member, new TreeSet<>(req.getSubscribedTopicNamesList()));
        }
        if (!assignor.isEmpty()) {
            group.assignor(assignor);
        }
        member.owned = ConsumerGroup.fromWire(req.getOwnedPartitionsList());
        member.deadlineMs = time.milliseconds() + config.sessionTimeoutMs();
        group.maybeAssign(view::partitionCount);
        group.reconcile(member);
        final long now = time.milliseconds();
        if (group.target(member.memberId).containsAll(member.owned)) {
            member.revocationDeadlineMs = Long.MAX_VALUE;
        } else if (member.revocationDeadlineMs == Long.MAX_VALUE) {
            member.revocationDeadlineMs = now + member.rebalanceTimeoutMs;
        }
        return ConsumerGroupHeartbeatResponse.newBuilder().setMemberId(member.memberId)
            .setMemberEpoch(member.memberEpoch).setHeartbeatIntervalMs(config.heartbeatIntervalMs())
            .setHasAssignment(true).addAllAssignment(ConsumerGroup.toWire(member.assigned)).build();
    }

    private ConsumerGroupHeartbeatResponse heartbeatError(final ErrorCode error, final String message) {
        return ConsumerGroupHeartbeatResponse.newBuilder().setError(error).setErrorMessage(message)
            .setHeartbeatIntervalMs(config.heartbeatIntervalMs()).build();
    }

    private void expireMembers() {
        final long now = time.milliseconds();
        for (final Shard shard : shards.values()) {
            for (final ConsumerGroup group : shard.groups.values()) {
                final List<String> expired = new ArrayList<>();
                group.members.forEach((id, m) -> {
                    // A member that keeps partitions it was told to revoke blocks their new owners: fence it.
                    if (m.deadlineMs < now || m.revocationDeadlineMs < now) {
                        expired.add(id);
                    }
                });
                for (final String id : expired) {
                    group.remove(id);
                    LOG.info("partition={} node={} group={} member={} fenced: no heartbeat for {} ms or partitions"
                        + " not revoked within the rebalance timeout; groupEpoch={}", shard.partition, nodeId,
                        group.groupId, id, config.sessionTimeoutMs(), group.groupEpoch());
                }
                if (!expired.isEmpty()) {
                    group.maybeAssign(view::partitionCount);
                }
            }
        }
    }

    // ---- offsets --------------------------------------------------------------------------------------------

    /**
     * Validates and stores a commit; answers once the offsets are replicated to a majority.
     *
     * @param request the commit
     * @return the response; per-partition errors for invalid partitions, the same error on every partition for
     *         an error of the whole request (NOT_COORDINATOR, UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH,
     *         NON_EMPTY_GROUP)
     */
    public CompletableFuture<OffsetCommitResponse> commitOffsets(final OffsetCommitRequest request) {
        return onThread(() -> commit(request)).thenCompose(f -> f);
    }

    private CompletableFuture<OffsetCommitResponse> commit(final OffsetCommitRequest req) {
        final Lookup l = lookup(req.getGroupId());
        if (l.error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(commitError(req, l.error, l.message));
        }
        final ConsumerGroup group = l.shard.groups.get(req.getGroupId());
        if (!req.getMemberId().isEmpty()) {
            final GroupMember m = group == null ? null : group.members.get(req.getMemberId());
            if (m == null) {
                return CompletableFuture.completedFuture(commitError(req, ErrorCode.UNKNOWN_MEMBER_ID, "group "
                    + req.getGroupId() + " has no member " + req.getMemberId()));
            }
            if (m.memberEpoch != req.getMemberEpoch()) {
                return CompletableFuture.completedFuture(commitError(req, ErrorCode.FENCED_MEMBER_EPOCH, "member "
                    + m.memberId + " is at epoch " + m.memberEpoch + ", the commit has " + req.getMemberEpoch()));
            }
        } else if (req.getMemberEpoch() != -1) {
            return CompletableFuture.completedFuture(commitError(req, ErrorCode.UNKNOWN_MEMBER_ID,
                "a commit without member_id must have member_epoch -1, not " + req.getMemberEpoch()));
        } else if (group != null && !group.members.isEmpty()) {
            return CompletableFuture.completedFuture(commitError(req, ErrorCode.NON_EMPTY_GROUP, "group "
                + req.getGroupId() + " has " + group.members.size() + " active members: only they may commit"));
        }
        final OffsetCommitResponse.Builder out = OffsetCommitResponse.newBuilder();
        final Map<TopicPartition, OffsetAndMetadata> valid = new HashMap<>();
        final List<OffsetCommitPartition> accepted = new ArrayList<>();
        final long now = time.milliseconds();
        for (final OffsetCommitPartition p : req.getPartitionsList()) {
            final ErrorCode error = validate(p);
            if (error != ErrorCode.NONE) {
                out.addResults(result(p, error, error + " for " + p.getTopic() + "-" + p.getPartition()));
            } else {
                valid.put(new TopicPartition(p.getTopic(), p.getPartition()),
                    new OffsetAndMetadata(p.getOffset(), p.getMetadata(), now));
                accepted.add(p);
            }
        }
        if (valid.isEmpty()) {
            return CompletableFuture.completedFuture(out.build());
        }
        return l.shard.store.write(req.getGroupId(), valid).handle((v, e) -> {
            final ErrorCode code = e == null ? ErrorCode.NONE : writeError(e);
            final String message = e == null ? "" : "commit not stored: " + rootCause(e);
            accepted.forEach(p -> out.addResults(result(p, code, message)));
            if (code != ErrorCode.NONE) {
                out.setError(code).setErrorMessage(message);
            }
            return out.build();
        });
    }

    private ErrorCode validate(final OffsetCommitPartition p) {
        final int count = view.partitionCount(p.getTopic());
        if (count < 0) {
            return ErrorCode.UNKNOWN_TOPIC;
        }
        if (p.getPartition() < 0 || p.getPartition() >= count) {
            return ErrorCode.UNKNOWN_PARTITION;
        }
        if (p.getOffset() < 0) {
            return ErrorCode.INVALID_COMMIT_OFFSET;
        }
        if (p.getMetadata().length() > OffsetRecordCodec.MAX_METADATA_CHARS) {
            return ErrorCode.INVALID_REQUEST;
        }
        return ErrorCode.NONE;
    }

    private static ErrorCode writeError(final Throwable e) {
        final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause instanceof NotLeaderException ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }

    private static String rootCause(final Throwable e) {
        final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return cause.toString();
    }

    private static OffsetCommitPartitionResult result(final OffsetCommitPartition p, final ErrorCode error,
                                                      final String message) {
        return OffsetCommitPartitionResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
            .setError(error).setErrorMessage(error == ErrorCode.NONE ? "" : message).build();
    }

    private static OffsetCommitResponse commitError(final OffsetCommitRequest req, final ErrorCode error,
                                                    final String message) {
        final OffsetCommitResponse.Builder b = OffsetCommitResponse.newBuilder().setError(error)
            .setErrorMessage(message);
        req.getPartitionsList().forEach(p -> b.addResults(result(p, error, message)));
        return b.build();
    }

    /**
     * @param request which partitions (none = all with a committed offset)
     * @return the committed offsets, -1 where none is committed
     */
    public CompletableFuture<OffsetFetchResponse> fetchOffsets(final OffsetFetchRequest request) {
        return onThread(() -> {
            final Lookup l = lookup(request.getGroupId());
            if (l.error != ErrorCode.NONE) {
                return OffsetFetchResponse.newBuilder().setError(l.error).setErrorMessage(l.message).build();
            }
            final Map<TopicPartition, OffsetAndMetadata> committed = l.shard.store.offsets(request.getGroupId());
            final Set<TopicPartition> wanted = request.getPartitionsCount() == 0 ? new TreeSet<>(committed.keySet())
                : ConsumerGroup.fromWire(request.getPartitionsList());
            final OffsetFetchResponse.Builder b = OffsetFetchResponse.newBuilder();
            for (final TopicPartition tp : wanted) {
                final OffsetAndMetadata o = committed.get(tp);
                b.addPartitions(OffsetFetchPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setOffset(o == null ? -1 : o.offset()).setMetadata(o == null ? "" : o.metadata()));
            }
            return b.build();
        });
    }

    // ---- admin ----------------------------------------------------------------------------------------------

    /** @return the groups coordinated here (with members or committed offsets), sorted by id */
    public CompletableFuture<List<GroupListing>> listGroups() {
        return onThread(() -> {
            final Map<String, GroupState> states = new TreeMap<>();
            for (final Shard shard : shards.values()) {
                if (shard.store == null) {
                    continue;
                }
                shard.store.groups().forEach(g -> states.put(g, GroupState.EMPTY));
                shard.groups.forEach((id, g) -> states.put(id, g.state()));
            }
            final List<GroupListing> out = new ArrayList<>();
            states.forEach((id, s) -> out.add(GroupListing.newBuilder().setGroupId(id).setState(s.name()).build()));
            return out;
        });
    }

    /**
     * @param groupId a group
     * @return its description; state DEAD with GROUP_ID_NOT_FOUND when it has neither members nor offsets
     */
    public CompletableFuture<GroupDescription> describeGroup(final String groupId) {
        return onThread(() -> {
            final Lookup l = lookup(groupId);
            if (l.error != ErrorCode.NONE) {
                return GroupDescription.newBuilder().setGroupId(groupId).setError(l.error).setErrorMessage(l.message)
                    .setState(GroupState.DEAD.name()).build();
            }
            final ConsumerGroup group = l.shard.groups.get(groupId);
            if (group != null) {
                return group.describe();
            }
            if (!l.shard.store.offsets(groupId).isEmpty()) {
                return GroupDescription.newBuilder().setGroupId(groupId).setState(GroupState.EMPTY.name()).build();
            }
            return GroupDescription.newBuilder().setGroupId(groupId).setError(ErrorCode.GROUP_ID_NOT_FOUND)
                .setErrorMessage("no group " + groupId).setState(GroupState.DEAD.name()).build();
        });
    }

    /**
     * Deletes a group without members: tombstones for all its offsets, then the group is forgotten.
     *
     * @param groupId the group
     * @return the result: NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when unknown
     */
    public CompletableFuture<DeleteGroupsResult> deleteGroup(final String groupId) {
        return onThread(() -> delete(groupId)).thenCompose(f -> f);
    }

    private CompletableFuture<DeleteGroupsResult> delete(final String groupId) {
        final DeleteGroupsResult.Builder b = DeleteGroupsResult.newBuilder().setGroupId(groupId);
        final Lookup l = lookup(groupId);
        if (l.error != ErrorCode.NONE) {
            return CompletableFuture.completedFuture(b.setError(l.error).setErrorMessage(l.message).build());
        }
        final ConsumerGroup group = l.shard.groups.get(groupId);
        if (group != null && !group.members.isEmpty()) {
            return CompletableFuture.completedFuture(b.setError(ErrorCode.NON_EMPTY_GROUP).setErrorMessage("group "
                + groupId + " has " + group.members.size() + " members").build());
        }
        final Map<TopicPartition, OffsetAndMetadata> offsets = l.shard.store.offsets(groupId);
        if (group == null && offsets.isEmpty()) {
            return CompletableFuture.completedFuture(b.setError(ErrorCode.GROUP_ID_NOT_FOUND)
                .setErrorMessage("no group " + groupId).build());
        }
        l.shard.groups.remove(groupId);
        if (offsets.isEmpty()) {
            return CompletableFuture.completedFuture(b.build());
        }
        final Map<TopicPartition, OffsetAndMetadata> tombstones = new HashMap<>();
        offsets.keySet().forEach(tp -> tombstones.put(tp, null));
        return l.shard.store.write(groupId, tombstones).handle((v, e) -> {
            if (e != null) {
                b.setError(writeError(e)).setErrorMessage("deletion not stored: " + rootCause(e));
            } else {
                LOG.info("partition={} node={} group={} deleted with offsets={}", l.shard.partition, nodeId, groupId,
                    tombstones.size());
            }
            return b.build();
        });
    }

    /** Stops the coordinator's threads; the Raft host is the caller's to close. */
    @Override
    public void close() {
        thread.shutdownNow();
        loader.shutdownNow();
    }
}
