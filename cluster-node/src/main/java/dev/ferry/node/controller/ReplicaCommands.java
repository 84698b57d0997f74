package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.proto.AllocateProducerIds;
import dev.ferry.node.controller.proto.CompletePartitionReassignment;
import dev.ferry.node.controller.proto.DecommissionNode;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.RegisterNode;
import dev.ferry.node.controller.proto.SetPartitionTarget;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Validates node and replica requests against the image and turns them into records: registration,
 * reassignment (set and complete targets), decommissioning, producer id blocks. Pure functions of
 * (image, request). Stateless.
 *
 * <p>Decommissioning writes one entry: DecommissionNode plus, for every partition with a replica on the node, a
 * target replica list with that replica replaced ({@link PartitionPlacement#replace}). The reconciler moves the
 * replicas by Raft membership change and completes each reassignment; the image marks the node DECOMMISSIONED
 * once it holds no replica.
 */
final class ReplicaCommands {
    /** Producer ids handed to a node at a time (Kafka hands out blocks of 1000 too). */
    static final long PRODUCER_ID_BLOCK = 1000;

    CommandOutcome register(final MetadataImage image, final RegisterNode r) {
        final CommandOutcome out = new CommandOutcome();
        final String name = Integer.toString(r.getNodeId());
        if (r.getNodeId() < 0 || r.getHost().isEmpty() || r.getPort() < 1 || r.getPort() > 65535
            || r.getRaftAddress().isEmpty()) {
            return out.result(name, ErrorCode.INVALID_REQUEST, "registration of node " + r.getNodeId()
                + " needs an id >= 0, a host, a port in [1, 65535] and a raft address: " + r.toString().trim());
        }
        final NodeInfo old = image.node(r.getNodeId());
        if (old != null && old.host().equals(r.getHost()) && old.port() == r.getPort() && old.rack()
            .equals(r.getRack()) && old.raftAddress().equals(r.getRaftAddress())
            && old.incarnationId().equals(r.getIncarnationId()) && old.state() != NodeState.FENCED) {
            return out.ok(name);
        }
        return out.ok(name).record(MetadataRecord.newBuilder().setRegisterNode(r).build());
    }

    CommandOutcome reassign(final MetadataImage image, final List<SetPartitionTarget> targets) {
        final CommandOutcome out = new CommandOutcome();
        for (final SetPartitionTarget t : targets) {
            final String name = t.getTopic() + "-" + t.getPartition();
            final TopicInfo topic = image.topic(t.getTopic());
            final PartitionInfo p = topic == null ? null : topic.partition(t.getPartition());
            if (topic == null) {
                out.result(name, ErrorCode.UNKNOWN_TOPIC, "topic " + t.getTopic() + " does not exist");
                continue;
            }
            if (p == null) {
                out.result(name, ErrorCode.UNKNOWN_PARTITION, "topic " + t.getTopic() + " has no partition "
                    + t.getPartition());
                continue;
            }
            final String bad = invalidTarget(image, p, t.getTargetReplicasList());
            if (bad != null) {
                out.result(name, bad.startsWith("node") ? ErrorCode.UNKNOWN_NODE : ErrorCode.INVALID_REQUEST,
                    "partition " + name + ": " + bad);
                continue;
            }
            // An empty list cancels a reassignment in progress, as in Kafka: the target becomes the replicas.
            final List<Integer> target = t.getTargetReplicasCount() == 0 ? p.replicas() : t.getTargetReplicasList();
            out.ok(name).record(MetadataRecord.newBuilder().setSetPartitionTarget(t.toBuilder().clearTargetReplicas()
                .addAllTargetReplicas(target)).build());
        }
        return out;
    }

    private static String invalidTarget(final MetadataImage image, final PartitionInfo p, final List<Integer> target) {
        if (new HashSet<>(target).size() != target.size()) {
            return "target names a replica twice: " + target;
        }
        for (final int n : target) {
            final NodeInfo node = image.node(n);
            if (node == null) {
                return "node " + n + " is not registered";
            }
            if (!p.replicas().contains(n) && node.state() != NodeState.ALIVE) {
                return "node " + n + " is " + node.state() + " and cannot take a new replica";
            }
        }
        return null;
    }

    CommandOutcome completeReassignment(final MetadataImage image, final CompletePartitionReassignment c) {
        final CommandOutcome out = new CommandOutcome();
        final String name = c.getTopic() + "-" + c.getPartition();
        final TopicInfo topic = image.topic(c.getTopic());
        final PartitionInfo p = topic == null ? null : topic.partition(c.getPartition());
        if (p == null) {
            return out.result(name, topic == null ? ErrorCode.UNKNOWN_TOPIC : ErrorCode.UNKNOWN_PARTITION,
                "no partition " + name);
        }
        // Completing twice (a retry after a controller failover) is harmless: nothing left to complete.
        return p.reassigning() ? out.ok(name).record(MetadataRecord.newBuilder()
            .setCompletePartitionReassignment(c).build()) : out.ok(name);
    }

    CommandOutcome decommission(final MetadataImage image, final int nodeId) {
        final CommandOutcome out = new CommandOutcome();
        final String name = Integer.toString(nodeId);
        final NodeInfo node = image.node(nodeId);
        if (node == null) {
            return out.result(name, ErrorCode.UNKNOWN_NODE, "node " + nodeId + " is not registered");
        }
        final PartitionPlacement placement = new PartitionPlacement(image);
        final Set<Integer> excluded = Set.of(nodeId);
        out.ok(name);
        if (node.state() != NodeState.DECOMMISSIONING && node.state() != NodeState.DECOMMISSIONED) {
            out.record(MetadataRecord.newBuilder().setDecommissionNode(DecommissionNode.newBuilder()
                .setNodeId(nodeId)).build());
        }
        for (final TopicInfo t : image.topics().values()) {
            for (final PartitionInfo p : t.partitions()) {
                final List<Integer> base = p.reassigning() ? p.targetReplicas() : p.replicas();
                if (p.involves(nodeId)) {
                    out.value++;
                }
                if (base.contains(nodeId)) {
                    out.record(MetadataRecord.newBuilder().setSetPartitionTarget(SetPartitionTarget.newBuilder()
                        .setTopic(t.name()).setPartition(p.partition())
                        .addAllTargetReplicas(placement.replace(base, nodeId, excluded))).build());
                }
            }
        }
        return out;
    }

    CommandOutcome allocateProducerIds(final MetadataImage image, final int nodeId) {
        final CommandOutcome out = new CommandOutcome();
        out.value = image.nextProducerId();
        return out.ok(Integer.toString(nodeId)).record(MetadataRecord.newBuilder().setAllocateProducerIds(
            AllocateProducerIds.newBuilder().setNodeId(nodeId).setCount(PRODUCER_ID_BLOCK)).build());
    }
}
