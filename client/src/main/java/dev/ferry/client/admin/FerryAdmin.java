package dev.ferry.client.admin;

import dev.ferry.client.TopicPartition;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.FrameLayout;
import dev.ferry.client.protocol.proto.AlterConfigsRequest;
import dev.ferry.client.protocol.proto.AlterConfigsResource;
import dev.ferry.client.protocol.proto.AlterConfigsResponse;
import dev.ferry.client.protocol.proto.AlterConfigsResult;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsRequest;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsResponse;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ConfigOp;
import dev.ferry.client.protocol.proto.ConfigOpType;
import dev.ferry.client.protocol.proto.ConfigResource;
import dev.ferry.client.protocol.proto.ConfigResourceType;
import dev.ferry.client.protocol.proto.CreatePartitionsRequest;
import dev.ferry.client.protocol.proto.CreatePartitionsResponse;
import dev.ferry.client.protocol.proto.CreatePartitionsTopic;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.DecommissionNodeRequest;
import dev.ferry.client.protocol.proto.DecommissionNodeResponse;
import dev.ferry.client.protocol.proto.DeleteTopicsRequest;
import dev.ferry.client.protocol.proto.DeleteTopicsResponse;
import dev.ferry.client.protocol.proto.DescribeClusterRequest;
import dev.ferry.client.protocol.proto.DescribeClusterResponse;
import dev.ferry.client.protocol.proto.DescribeConfigsRequest;
import dev.ferry.client.protocol.proto.DescribeConfigsResponse;
import dev.ferry.client.protocol.proto.DescribeConfigsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.MetadataRequest;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.PartitionReassignment;
import dev.ferry.client.protocol.proto.ResourceResult;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.client.protocol.proto.TransferLeadershipRequest;
import dev.ferry.client.protocol.proto.TransferLeadershipResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Administers a Ferry cluster: topics, partitions, topic configs, nodes, consumer groups (listing, description,
 * lag, offset resets, deletion), partition leadership and replica placement.
 *
 * <p>Every call returns a future that completes with the result or fails with a {@link FerryException} carrying
 * the node's {@link ErrorCode} (null for a client-side failure such as no node answering). Calls retry on their
 * own, within {@code default.api.timeout.ms}, after errors that finding the leader, coordinator or controller again
 * can cure; errors about the request itself (TOPIC_ALREADY_EXISTS, UNKNOWN_TOPIC, NON_EMPTY_GROUP, ...) fail at
 * once. A call about several resources fails when any fails, with the first failure's code and every failure in
 * the message. For a blocking call, {@code join()} or {@code get(timeout)} the future.
 *
 * <p>Thread-safe: share one instance. Futures complete on the client's network thread or a shared pool: callbacks
 * must not block. {@link #close()} releases every socket and thread.
 */
public final class FerryAdmin implements AutoCloseable {
    private final AdminConfig config;
    private final NetworkClient network;
    private final Retrier retrier;
    private final Groups groups;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param config the settings */
    public FerryAdmin(final AdminConfig config) {
        this.config = config;
        final ConnectionConfig connection = new ConnectionConfig(config.clientId(),
            Math.min(ConnectionConfig.DEFAULT_CONNECT_TIMEOUT_MS, config.requestTimeoutMs()),
            FrameLayout.DEFAULT_MAX_FRAME_BYTES);
        this.network = new NetworkClient(config.bootstrapServers(), connection, 1);
        this.retrier = new Retrier(config.defaultApiTimeoutMs());
        this.groups = new Groups(this);
    }

    /**
     * @param settings the settings by key (see {@link AdminConfig})
     * @return a new admin client
     * @throws IllegalArgumentException naming the key of a bad setting
     */
    public static FerryAdmin create(final Map<String, ?> settings) {
        return new FerryAdmin(AdminConfig.from(settings));
    }

    /** @return the settings */
    public AdminConfig config() {
        return config;
    }

    // ---- Topics --------------------------------------------------------------------------------------------

    /**
     * Creates topics; completes once every node asked has them in its metadata, so a client can use them at once.
     *
     * @param topics the topics
     * @return done, or failed with e.g. TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR, INVALID_PARTITIONS,
     *         INVALID_CONFIG, INVALID_TOPIC
     */
    public CompletableFuture<Void> createTopics(final Collection<NewTopic> topics) {
        final CreateTopicsRequest.Builder req = CreateTopicsRequest.newBuilder()
            .setTimeoutMs(config.requestTimeoutMs());
        for (final NewTopic t : topics) {
            req.addTopics(TopicSpec.newBuilder().setName(t.name()).setPartitions(t.partitions())
                .setReplicationFactor(t.replicationFactor()).putAllConfigs(t.configs()));
        }
        return call("createTopics", () -> toAny(ApiKey.CREATE_TOPICS, req.build(), CreateTopicsResponse.parser())
            .thenAccept(r -> check("create topic", r.getResultsList())));
    }

    /**
     * @param topics the topics to delete with their data
     * @return done, or failed with e.g. UNKNOWN_TOPIC, INVALID_TOPIC (internal topics)
     */
    public CompletableFuture<Void> deleteTopics(final Collection<String> topics) {
        final DeleteTopicsRequest req = DeleteTopicsRequest.newBuilder().addAllTopics(topics)
            .setTimeoutMs(config.requestTimeoutMs()).build();
        return call("deleteTopics", () -> toAny(ApiKey.DELETE_TOPICS, req, DeleteTopicsResponse.parser())
            .thenAccept(r -> check("delete topic", r.getResultsList())));
    }

    /** @return the names of every topic but the internal ones */
    public CompletableFuture<Set<String>> listTopics() {
        return listTopics(false);
    }

    /**
     * @param includeInternal true to list internal topics (e.g. __consumer_offsets) too
     * @return the topic names, sorted
     */
    public CompletableFuture<Set<String>> listTopics(final boolean includeInternal) {
        final MetadataRequest req = MetadataRequest.newBuilder().setAllTopics(true).build();
        return call("listTopics", () -> toAny(ApiKey.METADATA, req, MetadataResponse.parser()).thenApply(r -> {
            final Set<String> names = new TreeSet<>();
            r.getTopicsList().stream().filter(t -> includeInternal || !t.getInternal())
                .forEach(t -> names.add(t.getName()));
            return names;
        }));
    }

    /**
     * @param topics the topics
     * @return each topic's partitions with leader, replicas and in-sync replicas, in the order asked; failed with
     *         UNKNOWN_TOPIC when one does not exist
     */
    public CompletableFuture<Map<String, TopicDescription>> describeTopics(final Collection<String> topics) {
        final MetadataRequest req = MetadataRequest.newBuilder().addAllTopics(topics).build();
        return call("describeTopics", () -> toAny(ApiKey.METADATA, req, MetadataResponse.parser()).thenApply(r -> {
            final Map<String, TopicMetadata> byName = new TreeMap<>();
            r.getTopicsList().forEach(t -> byName.put(t.getName(), t));
            final Map<String, TopicDescription> out = new LinkedHashMap<>();
            for (final String name : topics) {
                final TopicMetadata t = byName.get(name);
                if (t == null) {
                    throw FerryException.of(ErrorCode.UNKNOWN_TOPIC, "describe topic " + name + ": not in the answer");
                }
                if (t.getError() != ErrorCode.NONE) {
                    throw FerryException.of(t.getError(), "describe topic " + name + ": " + t.getErrorMessage());
                }
                out.put(name, describe(t));
            }
            return out;
        }));
    }

    private static TopicDescription describe(final TopicMetadata t) {
        final List<PartitionDescription> partitions = new ArrayList<>();
        for (final PartitionMetadata p : t.getPartitionsList()) {
            partitions.add(new PartitionDescription(p.getPartition(), p.getLeaderId(), p.getReplicasList(),
                p.getInSyncReplicasList(), p.getAddingReplicasList(), p.getRemovingReplicasList()));
        }
        partitions.sort(Comparator.comparingInt(PartitionDescription::partition));
        return new TopicDescription(t.getName(), t.getInternal(), partitions);
    }

    /**
     * @param topic a topic
     * @param totalCount its new partition count (only growth)
     * @return done, or failed with e.g. INVALID_PARTITIONS, UNKNOWN_TOPIC
     */
    public CompletableFuture<Void> createPartitions(final String topic, final int totalCount) {
        final CreatePartitionsRequest req = CreatePartitionsRequest.newBuilder().setTimeoutMs(config.requestTimeoutMs())
            .addTopics(CreatePartitionsTopic.newBuilder().setName(topic).setTotalCount(totalCount)).build();
        return call("createPartitions", () -> toAny(ApiKey.CREATE_PARTITIONS, req, CreatePartitionsResponse.parser())
            .thenAccept(r -> check("create partitions of", r.getResultsList())));
    }

    // ---- Configs -------------------------------------------------------------------------------------------

    /**
     * @param topic a topic
     * @return every setting of the topic by key, overridden or default
     */
    public CompletableFuture<Map<String, ConfigEntry>> describeConfigs(final String topic) {
        final DescribeConfigsRequest req = DescribeConfigsRequest.newBuilder().addResources(topicResource(topic))
            .build();
        return call("describeConfigs", () -> toAny(ApiKey.DESCRIBE_CONFIGS, req, DescribeConfigsResponse.parser())
            .thenApply(r -> {
                final Map<String, ConfigEntry> out = new TreeMap<>();
                for (final DescribeConfigsResult result : r.getResultsList()) {
                    if (result.getError() != ErrorCode.NONE) {
                        throw FerryException.of(result.getError(), "describe configs of topic " + topic + ": "
                            + result.getErrorMessage());
                    }
                    result.getEntriesList().forEach(e -> out.put(e.getName(), new ConfigEntry(e.getName(),
                        e.getValue(), e.getIsDefault(), e.getReadOnly(), e.getDocumentation())));
                }
                return out;
            }));
    }

    /**
     * @param topic a topic
     * @param changes overrides to set or delete, applied together
     * @return done, or failed with e.g. INVALID_CONFIG naming the key, UNKNOWN_TOPIC
     */
    public CompletableFuture<Void> alterConfigs(final String topic, final Collection<ConfigChange> changes) {
        final AlterConfigsResource.Builder resource = AlterConfigsResource.newBuilder()
            .setResource(topicResource(topic));
        for (final ConfigChange c : changes) {
            resource.addOps(ConfigOp.newBuilder().setName(c.name()).setValue(c.delete() ? "" : c.value())
                .setOp(c.delete() ? ConfigOpType.DELETE : ConfigOpType.SET));
        }
        final AlterConfigsRequest req = AlterConfigsRequest.newBuilder().addResources(resource).build();
        return call("alterConfigs", () -> toAny(ApiKey.ALTER_CONFIGS, req, AlterConfigsResponse.parser())
            .thenAccept(r -> {
                for (final AlterConfigsResult result : r.getResultsList()) {
                    if (result.getError() != ErrorCode.NONE) {
                        throw FerryException.of(result.getError(), "alter configs of topic " + topic + ": "
                            + result.getErrorMessage());
                    }
                }
            }));
    }

    private static ConfigResource topicResource(final String topic) {
        return ConfigResource.newBuilder().setType(ConfigResourceType.TOPIC).setName(topic).build();
    }

    // ---- Cluster -------------------------------------------------------------------------------------------

    /** @return the cluster id, the active controller and every registered node with its state and rack */
    public CompletableFuture<ClusterDescription> describeCluster() {
        return call("describeCluster", () -> toAny(ApiKey.DESCRIBE_CLUSTER, DescribeClusterRequest.getDefaultInstance(),
            DescribeClusterResponse.parser()).thenApply(FerryAdmin::describe));
    }

    private static ClusterDescription describe(final DescribeClusterResponse r) {
        final List<NodeDescription> nodes = new ArrayList<>();
        for (final dev.ferry.client.protocol.proto.NodeDescription n : r.getNodesList()) {
            NodeState state;
            try {
                state = NodeState.valueOf(n.getState().name());
            } catch (final IllegalArgumentException e) {
                state = NodeState.UNKNOWN;
            }
            nodes.add(new NodeDescription(n.getEndpoint().getNodeId(), n.getEndpoint().getHost(),
                n.getEndpoint().getPort(), n.getEndpoint().getRack(), state, n.getReplicas(), n.getLeaders(),
                n.getControllerVoter()));
        }
        nodes.sort(Comparator.comparingInt(NodeDescription::id));
        return new ClusterDescription(r.getClusterId(), r.getControllerId(), nodes, r.getMetadataEpoch());
    }

    /**
     * Marks a node DECOMMISSIONING: no new replicas go there and its replicas move elsewhere; it is
     * DECOMMISSIONED in {@link #describeCluster()} once they have. Repeating it is harmless.
     *
     * @param nodeId the node
     * @return the number of replicas being moved away; failed with e.g. UNKNOWN_NODE
     */
    public CompletableFuture<Integer> decommissionNode(final int nodeId) {
        final DecommissionNodeRequest req = DecommissionNodeRequest.newBuilder().setNodeId(nodeId).build();
        return call("decommissionNode", () -> toAny(ApiKey.DECOMMISSION_NODE, req, DecommissionNodeResponse.parser())
            .thenApply(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw FerryException.of(r.getError(), "decommission node=" + nodeId + ": " + r.getErrorMessage());
                }
                return r.getReplicasMoving();
            }));
    }

    // ---- Leadership and placement --------------------------------------------------------------------------

    /**
     * Moves a partition's leadership, sent to its current leader (found again when leadership moved meanwhile).
     * The leader raises the target's Raft priority first (the preferred replica has the highest); about ten
     * seconds later the nodes restore the preferred replica's priority, so leadership returns to it when it is
     * caught up: a lasting move is a reassignment with the wanted node first.
     *
     * @param topic the topic
     * @param partition the partition
     * @param targetNodeId a replica's node id, or -1 for the preferred leader (the first assigned replica)
     * @return done once the target leads; failed with e.g. UNKNOWN_NODE (not a replica), UNKNOWN_TOPIC,
     *         UNKNOWN_PARTITION, REQUEST_TIMED_OUT (the target did not catch up in time)
     */
    public CompletableFuture<Void> transferLeadership(final String topic, final int partition,
                                                      final int targetNodeId) {
        final TransferLeadershipRequest req = TransferLeadershipRequest.newBuilder().setTopic(topic)
            .setPartition(partition).setTargetNodeId(targetNodeId).setTimeoutMs(config.requestTimeoutMs()).build();
        return call("transferLeadership", () -> leader(topic, partition)
            .thenCompose(leader -> toNode(leader, ApiKey.TRANSFER_LEADERSHIP, req, TransferLeadershipResponse.parser()))
            .thenAccept(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw FerryException.of(r.getError(), "transfer leadership of " + topic + "-" + partition
                        + " to node=" + targetNodeId + ": " + r.getErrorMessage());
                }
            }));
    }

    /**
     * Sets the replicas of partitions (preferred leader first); the partitions' leaders then move the data. Completes
     * once the targets are recorded, not when the move is done: watch {@link #describeTopics} (adding and removing
     * replicas empty, replicas as asked). An empty list cancels a reassignment in progress.
     *
     * @param targets the new replicas per partition
     * @return done, or failed with e.g. UNKNOWN_NODE, INVALID_REPLICATION_FACTOR, UNKNOWN_PARTITION
     */
    public CompletableFuture<Void> reassignPartitions(final Map<TopicPartition, List<Integer>> targets) {
        final AlterPartitionReassignmentsRequest.Builder req = AlterPartitionReassignmentsRequest.newBuilder()
            .setTimeoutMs(config.requestTimeoutMs());
        targets.forEach((tp, replicas) -> req.addReassignments(PartitionReassignment.newBuilder()
            .setTopic(tp.topic()).setPartition(tp.partition()).addAllReplicas(replicas)));
        return call("reassignPartitions", () -> toAny(ApiKey.ALTER_PARTITION_REASSIGNMENTS, req.build(),
            AlterPartitionReassignmentsResponse.parser()).thenAccept(r -> check("reassign", r.getResultsList())));
    }

    // ---- Consumer groups -----------------------------------------------------------------------------------

    /** @return every consumer group of the cluster (each node is asked for the groups it coordinates) */
    public CompletableFuture<List<GroupListing>> listConsumerGroups() {
        return call("listConsumerGroups", groups::list);
    }

    /**
     * @param groupIds the groups
     * @return each group's state, members and their assignments, asked of its coordinator; failed with
     *         GROUP_ID_NOT_FOUND when one has neither members nor committed offsets
     */
    public CompletableFuture<Map<String, GroupDescription>> describeConsumerGroups(final Collection<String> groupIds) {
        return call("describeConsumerGroups", () -> groups.describe(groupIds));
    }

    /**
     * @param groupId a group
     * @return its committed offsets by partition (partitions without a commit are absent)
     */
    public CompletableFuture<Map<TopicPartition, Long>> listConsumerGroupOffsets(final String groupId) {
        return call("listConsumerGroupOffsets", () -> groups.committed(groupId));
    }

    /**
     * @param groupId a group
     * @return for each partition with a committed offset: the offset, the partition's high watermark and the
     *         difference, sorted by topic and partition
     */
    public CompletableFuture<Map<TopicPartition, PartitionLag>> consumerGroupLag(final String groupId) {
        return call("consumerGroupLag", () -> groups.lag(groupId));
    }

    /**
     * Sets a group's committed offsets, as {@code kafka-consumer-groups --reset-offsets}: only while the group has
     * no members.
     *
     * @param groupId a group
     * @param offsets the new offsets
     * @return done, or failed with NON_EMPTY_GROUP while members are active, or a partition's error
     */
    public CompletableFuture<Void> resetOffsets(final String groupId, final Map<TopicPartition, Long> offsets) {
        return call("resetOffsets", () -> groups.reset(groupId, offsets));
    }

    /**
     * @param groupIds groups without members
     * @return done, or failed with NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND
     */
    public CompletableFuture<Void> deleteConsumerGroups(final Collection<String> groupIds) {
        return call("deleteConsumerGroups", () -> groups.delete(groupIds));
    }

    // ---- Plumbing ------------------------------------------------------------------------------------------

    private <T> CompletableFuture<T> call(final String what, final Supplier<CompletableFuture<T>> attempt) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new FerryException(null, what + ": the admin client is closed",
                false, null));
        }
        return retrier.call(what, attempt);
    }

    <T> CompletableFuture<T> toAny(final ApiKey key, final MessageLite body, final Parser<T> parser) {
        return network.sendToAny(key, body, config.requestTimeoutMs()).thenApply(r -> {
            try (r) {
                return r.body(parser);
            }
        });
    }

    <T> CompletableFuture<T> toNode(final int nodeId, final ApiKey key, final MessageLite body,
                                    final Parser<T> parser) {
        final CompletableFuture<ClusterMetadata> known = network.metadata().node(nodeId) != null
            ? CompletableFuture.completedFuture(network.metadata()) : refresh(List.of());
        return known.thenCompose(m -> network.send(nodeId, key, body, null, config.requestTimeoutMs()))
            .thenApply(r -> {
                try (r) {
                    return r.body(parser);
                }
            });
    }

    CompletableFuture<ClusterMetadata> refresh(final Collection<String> topics) {
        return network.refreshMetadata(topics, config.requestTimeoutMs());
    }

    /** The partition's leader from fresh metadata; LEADER_NOT_AVAILABLE (retried) while there is none. */
    CompletableFuture<Integer> leader(final String topic, final int partition) {
        return refresh(List.of(topic)).thenApply(m -> {
            final TopicMetadata t = m.topic(topic);
            if (t != null && t.getError() != ErrorCode.NONE) {
                throw FerryException.of(t.getError(), "topic " + topic + ": " + t.getErrorMessage());
            }
            final PartitionMetadata p = m.partition(topic, partition);
            if (p == null) {
                throw FerryException.of(ErrorCode.UNKNOWN_PARTITION, "no partition " + topic + "-" + partition);
            }
            if (p.getLeaderId() < 0) {
                throw FerryException.of(ErrorCode.LEADER_NOT_AVAILABLE, "no leader for " + topic + "-" + partition);
            }
            return p.getLeaderId();
        });
    }

    /** Fails with the first failed result's code, naming every failure. */
    static void check(final String what, final List<ResourceResult> results) {
        ErrorCode first = null;
        final StringBuilder message = new StringBuilder();
        for (final ResourceResult r : results) {
            if (r.getError() != ErrorCode.NONE) {
                first = first == null ? r.getError() : first;
                message.append(message.length() == 0 ? "" : "; ").append(what).append(' ').append(r.getName())
                    .append(": ").append(r.getError()).append(' ').append(r.getErrorMessage());
            }
        }
        if (first != null) {
            throw FerryException.of(first, message.toString());
        }
    }

    /** Closes every connection and the network thread; calls after this fail. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            network.close();
        }
    }
}
