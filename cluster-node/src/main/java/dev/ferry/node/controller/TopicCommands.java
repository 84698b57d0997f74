package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.log.ConfigException;
import dev.ferry.log.LogConfig;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.node.controller.proto.AlterConfigsCommand;
import dev.ferry.node.controller.proto.AlterTopicConfig;
import dev.ferry.node.controller.proto.ConfigChange;
import dev.ferry.node.controller.proto.CreatePartitions;
import dev.ferry.node.controller.proto.CreatePartitionsCommand;
import dev.ferry.node.controller.proto.CreateTopic;
import dev.ferry.node.controller.proto.CreateTopicsCommand;
import dev.ferry.node.controller.proto.DeleteTopic;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.PartitionCount;
import dev.ferry.node.controller.proto.PartitionReplicas;
import dev.ferry.node.controller.proto.TopicConfigChanges;
import dev.ferry.node.controller.proto.TopicRequest;
import dev.ferry.replication.PartitionId;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates topic requests against the image and turns them into records: create, delete, add partitions,
 * alter configs, and the internal offsets topic. Pure functions of (image, request), so the active controller
 * may run them on any thread as long as it serializes requests. Stateless.
 */
final class TopicCommands {
    /** Kafka has no hard limit; a typo of 1e6 partitions should not take the cluster down. */
    static final int MAX_PARTITIONS = 10_000;

    private final ControllerConfig config;

    TopicCommands(final ControllerConfig config) {
        this.config = config;
    }

    CommandOutcome createTopics(final MetadataImage image, final CreateTopicsCommand cmd) {
        final CommandOutcome out = new CommandOutcome();
        final PartitionPlacement placement = new PartitionPlacement(image);
        final Set<String> seen = new HashSet<>();
        for (final TopicRequest t : cmd.getTopicsList()) {
            final String name = t.getName();
            final String invalid = invalidName(name);
            if (invalid != null) {
                out.result(name, ErrorCode.INVALID_TOPIC, invalid);
            } else if (!seen.add(name)) {
                out.result(name, ErrorCode.INVALID_REQUEST, "topic " + name + " appears twice in the request");
            } else if (InternalTopics.isInternal(name)) {
                out.result(name, ErrorCode.INVALID_TOPIC, "topic " + name + " is internal; the cluster creates it");
            } else if (image.topic(name) != null) {
                out.result(name, ErrorCode.TOPIC_ALREADY_EXISTS, "topic " + name + " already exists");
            } else {
                createOne(image, placement, t, cmd.getValidateOnly(), out);
            }
        }
        return out;
    }

    private void createOne(final MetadataImage image, final PartitionPlacement placement, final TopicRequest t,
                           final boolean validateOnly, final CommandOutcome out) {
        final String name = t.getName();
        final String badConfig = invalidConfig(t.getConfigsMap());
        if (badConfig != null) {
            out.result(name, ErrorCode.INVALID_CONFIG, badConfig);
            return;
        }
        final List<List<Integer>> replicas;
        if (t.getAssignmentsCount() > 0) {
            final String bad = invalidAssignment(image, t.getAssignmentsList());
            if (bad != null) {
                out.result(name, bad.startsWith("unknown node") ? ErrorCode.UNKNOWN_NODE : ErrorCode.INVALID_REQUEST,
                    "topic " + name + ": " + bad);
                return;
            }
            replicas = new ArrayList<>();
            t.getAssignmentsList().stream().sorted((a, b) -> Integer.compare(a.getPartition(), b.getPartition()))
                .forEach(a -> replicas.add(a.getReplicasList()));
        } else {
            final int partitions = t.getPartitions() == 0 ? config.defaultPartitions() : t.getPartitions();
            final int rf = t.getReplicationFactor() == 0 ? config.defaultReplicationFactor() : t.getReplicationFactor();
            if (partitions < 1 || partitions > MAX_PARTITIONS) {
                out.result(name, ErrorCode.INVALID_PARTITIONS, "topic " + name + ": partitions=" + partitions
                    + " must be in [1, " + MAX_PARTITIONS + "]");
                return;
            }
            if (rf < 1 || rf > placement.candidateCount()) {
                out.result(name, ErrorCode.INVALID_REPLICATION_FACTOR, "topic " + name + ": replication factor "
                    + rf + " must be in [1, alive nodes=" + placement.candidateCount() + "]");
                return;
            }
            replicas = placement.place(partitions, rf);
        }
        out.ok(name);
        if (!validateOnly) {
            out.record(MetadataRecord.newBuilder().setCreateTopic(CreateTopic.newBuilder().setName(name)
                .putAllConfigs(t.getConfigsMap()).addAllPartitions(toProto(0, replicas))).build());
        }
    }

    CommandOutcome ensureOffsetsTopic(final MetadataImage image) {
        final CommandOutcome out = new CommandOutcome();
        final String name = InternalTopics.CONSUMER_OFFSETS;
        if (image.topic(name) != null) {
            return out.ok(name);
        }
        final PartitionPlacement placement = new PartitionPlacement(image);
        final int rf = Math.min(config.offsetsReplicationFactor(), placement.candidateCount());
        if (rf < 1) {
            return out.result(name, ErrorCode.INVALID_REPLICATION_FACTOR, "no alive node to place " + name + " on");
        }
        return out.ok(name).record(MetadataRecord.newBuilder().setCreateTopic(CreateTopic.newBuilder().setName(name)
            .addAllPartitions(toProto(0, placement.place(config.offsetsPartitions(), rf)))).build());
    }

    CommandOutcome deleteTopics(final MetadataImage image, final List<String> topics) {
        final CommandOutcome out = new CommandOutcome();
        final Set<String> seen = new HashSet<>();
        for (final String name : topics) {
            if (image.topic(name) == null) {
                out.result(name, ErrorCode.UNKNOWN_TOPIC, "topic " + name + " does not exist");
            } else if (InternalTopics.isInternal(name)) {
                out.result(name, ErrorCode.INVALID_TOPIC, "topic " + name + " is internal and cannot be deleted");
            } else if (!seen.add(name)) {
                out.result(name, ErrorCode.INVALID_REQUEST, "topic " + name + " appears twice in the request");
            } else {
                out.ok(name).record(MetadataRecord.newBuilder().setDeleteTopic(DeleteTopic.newBuilder()
                    .setName(name)).build());
            }
        }
        return out;
    }

    CommandOutcome createPartitions(final MetadataImage image, final CreatePartitionsCommand cmd) {
        final CommandOutcome out = new CommandOutcome();
        final PartitionPlacement placement = new PartitionPlacement(image);
        for (final PartitionCount pc : cmd.getTopicsList()) {
            final String name = pc.getTopic();
            final TopicInfo t = image.topic(name);
            if (t == null) {
                out.result(name, ErrorCode.UNKNOWN_TOPIC, "topic " + name + " does not exist");
                continue;
            }
            final int current = t.partitions().size();
            if (pc.getTotalCount() <= current || pc.getTotalCount() > MAX_PARTITIONS) {
                out.result(name, ErrorCode.INVALID_PARTITIONS, "topic " + name + " has " + current
                    + " partitions; the new total " + pc.getTotalCount() + " must be larger (at most "
                    + MAX_PARTITIONS + ")");
                continue;
            }
            final int rf = t.partitions().isEmpty() ? 1 : t.partitions().get(0).replicas().size();
            if (rf > placement.candidateCount()) {
                out.result(name, ErrorCode.INVALID_REPLICATION_FACTOR, "topic " + name + " has replication factor "
                    + rf + " but only " + placement.candidateCount() + " nodes are alive");
                continue;
            }
            final List<List<Integer>> added = placement.place(pc.getTotalCount() - current, rf);
            out.ok(name);
            if (!cmd.getValidateOnly()) {
                out.record(MetadataRecord.newBuilder().setCreatePartitions(CreatePartitions.newBuilder()
                    .setTopic(name).addAllNewPartitions(toProto(current, added))).build());
            }
        }
        return out;
    }

    CommandOutcome alterConfigs(final MetadataImage image, final AlterConfigsCommand cmd) {
        final CommandOutcome out = new CommandOutcome();
        for (final TopicConfigChanges tc : cmd.getTopicsList()) {
            final String name = tc.getTopic();
            final TopicInfo t = image.topic(name);
            if (t == null) {
                out.result(name, ErrorCode.UNKNOWN_TOPIC, "topic " + name + " does not exist");
                continue;
            }
            final Map<String, String> merged = new HashMap<>(t.configs());
            for (final ConfigChange c : tc.getChangesList()) {
                if (c.getDelete()) {
                    merged.remove(c.getName());
                } else {
                    merged.put(c.getName(), c.getValue());
                }
            }
            final String bad = invalidConfig(merged);
            if (bad != null) {
                out.result(name, ErrorCode.INVALID_CONFIG, bad);
                continue;
            }
            out.ok(name);
            if (!cmd.getValidateOnly()) {
                out.record(MetadataRecord.newBuilder().setAlterTopicConfig(AlterTopicConfig.newBuilder()
                    .setTopic(name).addAllChanges(tc.getChangesList())).build());
            }
        }
        return out;
    }

    /**
     * @param name a topic name
     * @return why it is illegal, or null
     */
    static String invalidName(final String name) {
        try {
            new PartitionId(name, 0);
            return null;
        } catch (final IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static String invalidConfig(final Map<String, String> configs) {
        try {
            LogConfig.from(configs);
            return null;
        } catch (final ConfigException e) {
            return e.getMessage();
        }
    }

    private static String invalidAssignment(final MetadataImage image, final List<PartitionReplicas> assignments) {
        final Set<Integer> partitions = new HashSet<>();
        final int rf = assignments.get(0).getReplicasCount();
        for (final PartitionReplicas a : assignments) {
            if (!partitions.add(a.getPartition()) || a.getPartition() < 0 || a.getPartition() >= assignments.size()) {
                return "assignment partitions must be 0.." + (assignments.size() - 1) + " each once";
            }
            if (a.getReplicasCount() == 0 || a.getReplicasCount() != rf) {
                return "every partition needs the same, non-zero number of replicas";
            }
            if (new HashSet<>(a.getReplicasList()).size() != a.getReplicasCount()) {
                return "partition " + a.getPartition() + " names a replica twice: " + a.getReplicasList();
            }
            for (final int n : a.getReplicasList()) {
                if (image.node(n) == null) {
                    return "unknown node " + n + " in the assignment of partition " + a.getPartition();
                }
            }
        }
        return null;
    }

    static List<PartitionReplicas> toProto(final int firstPartition, final List<List<Integer>> replicas) {
        final List<PartitionReplicas> out = new ArrayList<>(replicas.size());
        for (int i = 0; i < replicas.size(); i++) {
            out.add(PartitionReplicas.newBuilder().setPartition(firstPartition + i).addAllReplicas(replicas.get(i))
                .build());
        }
        return out;
    }
}
