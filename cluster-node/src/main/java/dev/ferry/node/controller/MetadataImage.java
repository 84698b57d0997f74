package dev.ferry.node.controller;

import dev.ferry.node.controller.proto.AlterTopicConfig;
import dev.ferry.node.controller.proto.ConfigChange;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.MetadataSnapshot;
import dev.ferry.node.controller.proto.NodeSnapshot;
import dev.ferry.node.controller.proto.NodeStateProto;
import dev.ferry.node.controller.proto.PartitionReplicas;
import dev.ferry.node.controller.proto.PartitionSnapshot;
import dev.ferry.node.controller.proto.RegisterNode;
import dev.ferry.node.controller.proto.SetPartitionTarget;
import dev.ferry.node.controller.proto.TopicSnapshot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster metadata at one point of the metadata log: nodes, topics with their partitions' replicas (and
 * targets during a reassignment), topic configs, the next producer id and the cluster id. Every node holds the
 * latest one; the controller validates requests against it.
 *
 * <p>{@link #apply} is the only way state changes (as Kafka's {@code replay}): deterministic, and it never throws
 * for a record the controller validated; a record that no longer fits (a topic already deleted) is skipped.
 * Immutable and thread-safe.
 */
public final class MetadataImage {
    /** Before the first record. */
    public static final MetadataImage EMPTY = new MetadataImage(0, "", 0, new TreeMap<>(), new TreeMap<>());

    private final long epoch;
    private final String clusterId;
    private final long nextProducerId;
    private final SortedMap<Integer, NodeInfo> nodes;
    private final SortedMap<String, TopicInfo> topics;

    private MetadataImage(final long epoch, final String clusterId, final long nextProducerId,
                          final SortedMap<Integer, NodeInfo> nodes, final SortedMap<String, TopicInfo> topics) {
        this.epoch = epoch;
        this.clusterId = clusterId;
        this.nextProducerId = nextProducerId;
        this.nodes = Collections.unmodifiableSortedMap(nodes);
        this.topics = Collections.unmodifiableSortedMap(topics);
    }

    /** @return the Raft index of the last applied record; grows with every change */
    public long epoch() {
        return epoch;
    }

    /** @return the cluster id, empty until the first controller set it */
    public String clusterId() {
        return clusterId;
    }

    /** @return the first producer id not yet handed out */
    public long nextProducerId() {
        return nextProducerId;
    }

    /** @return every registered node by id */
    public SortedMap<Integer, NodeInfo> nodes() {
        return nodes;
    }

    /**
     * @param id a node id
     * @return the node or null
     */
    public NodeInfo node(final int id) {
        return nodes.get(id);
    }

    /** @return every topic by name */
    public SortedMap<String, TopicInfo> topics() {
        return topics;
    }

    /**
     * @param name a topic
     * @return the topic or null
     */
    public TopicInfo topic(final String name) {
        return topics.get(name);
    }

    /** @return ids of the nodes new replicas may go to (ALIVE), ascending */
    public List<Integer> placeableNodes() {
        final List<Integer> out = new ArrayList<>();
        nodes.values().forEach(n -> {
            if (n.placeable()) {
                out.add(n.id());
            }
        });
        return out;
    }

    /**
     * @param nodeId a node
     * @return replicas the node holds or is about to hold
     */
    public int replicaCount(final int nodeId) {
        int n = 0;
        for (final TopicInfo t : topics.values()) {
            for (final PartitionInfo p : t.partitions()) {
                if (p.involves(nodeId)) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * @param nodeId a node
     * @return partitions whose preferred leader (first replica) it is
     */
    public int preferredLeaderCount(final int nodeId) {
        int n = 0;
        for (final TopicInfo t : topics.values()) {
            for (final PartitionInfo p : t.partitions()) {
                if (!p.replicas().isEmpty() && p.replicas().get(0) == nodeId) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * @param batch records of one Raft entry
     * @param index the entry's Raft index, the new epoch
     * @return the image after the records
     */
    public MetadataImage apply(final MetadataBatch batch, final long index) {
        final Mutable m = new Mutable(this);
        for (final MetadataRecord r : batch.getRecordsList()) {
            m.apply(r);
        }
        m.settleDecommissions();
        return new MetadataImage(Math.max(epoch, index), m.clusterId, m.nextProducerId, m.nodes, m.topics);
    }

    /** @return the image as a snapshot message (the snapshot file and the heartbeat reply carry it) */
    public MetadataSnapshot toSnapshot() {
        final MetadataSnapshot.Builder b = MetadataSnapshot.newBuilder().setEpoch(epoch).setClusterId(clusterId)
            .setNextProducerId(nextProducerId);
        for (final NodeInfo n : nodes.values()) {
            b.addNodes(NodeSnapshot.newBuilder().setRegistration(RegisterNode.newBuilder().setNodeId(n.id())
                .setHost(n.host()).setPort(n.port()).setRack(n.rack()).setRaftAddress(n.raftAddress())
                .setIncarnationId(n.incarnationId())).setState(NodeStateProto.forNumber(n.state().ordinal() + 1)));
        }
        for (final TopicInfo t : topics.values()) {
            final TopicSnapshot.Builder tb = TopicSnapshot.newBuilder().setName(t.name()).putAllConfigs(t.configs());
            for (final PartitionInfo p : t.partitions()) {
                tb.addPartitions(PartitionSnapshot.newBuilder().setPartition(p.partition())
                    .addAllReplicas(p.replicas()).addAllTargetReplicas(p.targetReplicas()));
            }
            b.addTopics(tb);
        }
        return b.build();
    }

    /**
     * @param s a snapshot (from disk or the controller)
     * @return the image it holds
     */
    public static MetadataImage fromSnapshot(final MetadataSnapshot s) {
        final SortedMap<Integer, NodeInfo> nodes = new TreeMap<>();
        for (final NodeSnapshot n : s.getNodesList()) {
            final RegisterNode r = n.getRegistration();
            final int state = Math.max(1, Math.min(NodeState.values().length, n.getStateValue()));
            nodes.put(r.getNodeId(), new NodeInfo(r.getNodeId(), r.getHost(), r.getPort(), r.getRack(),
                r.getRaftAddress(), r.getIncarnationId(), NodeState.values()[state - 1]));
        }
        final SortedMap<String, TopicInfo> topics = new TreeMap<>();
        for (final TopicSnapshot t : s.getTopicsList()) {
            final List<PartitionInfo> parts = new ArrayList<>();
            for (final PartitionSnapshot p : t.getPartitionsList()) {
                parts.add(new PartitionInfo(p.getPartition(), p.getReplicasList(), p.getTargetReplicasList()));
            }
            topics.put(t.getName(), new TopicInfo(t.getName(), t.getConfigsMap(), parts));
        }
        return new MetadataImage(s.getEpoch(), s.getClusterId(), s.getNextProducerId(), nodes, topics);
    }

    @Override
    public String toString() {
        return "MetadataImage{epoch=" + epoch + " nodes=" + nodes.size() + " topics=" + topics.size() + "}";
    }

    /** The image being changed by one batch. Single-threaded. */
    private static final class Mutable {
        String clusterId;
        long nextProducerId;
        final SortedMap<Integer, NodeInfo> nodes;
        final SortedMap<String, TopicInfo> topics;

        Mutable(final MetadataImage from) {
            clusterId = from.clusterId;
            nextProducerId = from.nextProducerId;
            nodes = new TreeMap<>(from.nodes);
            topics = new TreeMap<>(from.topics);
        }

        void apply(final MetadataRecord r) {
            switch (r.getRecordCase()) {
                case REGISTER_NODE -> register(r.getRegisterNode());
                case FENCE_NODE -> changeState(r.getFenceNode().getNodeId(), NodeState.ALIVE, NodeState.FENCED);
                case UNFENCE_NODE -> changeState(r.getUnfenceNode().getNodeId(), NodeState.FENCED, NodeState.ALIVE);
                case CREATE_TOPIC -> {
                    final var c = r.getCreateTopic();
                    if (!topics.containsKey(c.getName())) {
                        topics.put(c.getName(), new TopicInfo(c.getName(), c.getConfigsMap(),
                            partitions(List.of(), c.getPartitionsList())));
                    }
                }
                case DELETE_TOPIC -> topics.remove(r.getDeleteTopic().getName());
                case CREATE_PARTITIONS -> {
                    final TopicInfo t = topics.get(r.getCreatePartitions().getTopic());
                    if (t != null) {
                        topics.put(t.name(), new TopicInfo(t.name(), t.configs(),
                            partitions(t.partitions(), r.getCreatePartitions().getNewPartitionsList())));
                    }
                }
                case ALTER_TOPIC_CONFIG -> alterConfig(r.getAlterTopicConfig());
                case SET_PARTITION_TARGET -> setTarget(r.getSetPartitionTarget());
                case COMPLETE_PARTITION_REASSIGNMENT -> {
                    final var c = r.getCompletePartitionReassignment();
                    replacePartition(c.getTopic(), c.getPartition(), p -> p.reassigning()
                        ? new PartitionInfo(p.partition(), p.targetReplicas(), List.of()) : p);
                }
                case DECOMMISSION_NODE -> {
                    final NodeInfo n = nodes.get(r.getDecommissionNode().getNodeId());
                    if (n != null && n.state() != NodeState.DECOMMISSIONED) {
                        nodes.put(n.id(), n.withState(NodeState.DECOMMISSIONING));
                    }
                }
                case ALLOCATE_PRODUCER_IDS -> nextProducerId += Math.max(0, r.getAllocateProducerIds().getCount());
                case CLUSTER_ID -> {
                    if (clusterId.isEmpty()) {
                        clusterId = r.getClusterId().getClusterId();
                    }
                }
                default -> {
                    // A record of a newer version: skipped, as every node skips it.
                }
            }
        }

        private void register(final RegisterNode r) {
            final NodeInfo old = nodes.get(r.getNodeId());
            // A decommissioning node that restarts keeps moving its replicas away.
            final NodeState state = old != null && (old.state() == NodeState.DECOMMISSIONING
                || old.state() == NodeState.DECOMMISSIONED) ? old.state() : NodeState.ALIVE;
            nodes.put(r.getNodeId(), new NodeInfo(r.getNodeId(), r.getHost(), r.getPort(), r.getRack(),
                r.getRaftAddress(), r.getIncarnationId(), state));
        }

        private void changeState(final int nodeId, final NodeState from, final NodeState to) {
            final NodeInfo n = nodes.get(nodeId);
            if (n != null && n.state() == from) {
                nodes.put(nodeId, n.withState(to));
            }
        }

        private static List<PartitionInfo> partitions(final List<PartitionInfo> existing,
                                                      final List<PartitionReplicas> added) {
            final List<PartitionInfo> out = new ArrayList<>(existing);
            for (final PartitionReplicas p : added) {
                out.add(new PartitionInfo(out.size(), p.getReplicasList(), List.of()));
            }
            return out;
        }

        private void alterConfig(final AlterTopicConfig a) {
            final TopicInfo t = topics.get(a.getTopic());
            if (t == null) {
                return;
            }
            final Map<String, String> configs = new HashMap<>(t.configs());
            for (final ConfigChange c : a.getChangesList()) {
                if (c.getDelete()) {
                    configs.remove(c.getName());
                } else {
                    configs.put(c.getName(), c.getValue());
                }
            }
            topics.put(t.name(), new TopicInfo(t.name(), configs, t.partitions()));
        }

        private void setTarget(final SetPartitionTarget s) {
            replacePartition(s.getTopic(), s.getPartition(), p -> new PartitionInfo(p.partition(), p.replicas(),
                s.getTargetReplicasList().equals(p.replicas()) ? List.of() : s.getTargetReplicasList()));
        }

        private void replacePartition(final String topic, final int partition,
                                      final java.util.function.UnaryOperator<PartitionInfo> change) {
            final TopicInfo t = topics.get(topic);
            if (t == null || t.partition(partition) == null) {
                return;
            }
            final List<PartitionInfo> parts = new ArrayList<>(t.partitions());
            parts.set(partition, change.apply(parts.get(partition)));
            topics.put(topic, new TopicInfo(topic, t.configs(), parts));
        }

        /** A decommissioning node that holds no replica any more is done. */
        void settleDecommissions() {
            for (final NodeInfo n : List.copyOf(nodes.values())) {
                if (n.state() == NodeState.DECOMMISSIONING && !holdsAny(n.id())) {
                    nodes.put(n.id(), n.withState(NodeState.DECOMMISSIONED));
                }
            }
        }

        private boolean holdsAny(final int nodeId) {
            for (final TopicInfo t : topics.values()) {
                for (final PartitionInfo p : t.partitions()) {
                    if (p.involves(nodeId)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
