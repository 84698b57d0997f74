package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.proto.AlterConfigsCommand;
import dev.ferry.node.controller.proto.ConfigChange;
import dev.ferry.node.controller.proto.CreateTopicsCommand;
import dev.ferry.node.controller.proto.FenceNode;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.PartitionReplicas;
import dev.ferry.node.controller.proto.RegisterNode;
import dev.ferry.node.controller.proto.SetPartitionTarget;
import dev.ferry.node.controller.proto.TopicConfigChanges;
import dev.ferry.node.controller.proto.TopicRequest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Validation of controller requests against an image, without Raft. */
class ControllerCommandsTest {
    private final ControllerConfig config = ControllerConfig.defaults(1, Map.of(1, "127.0.0.1:1"), Path.of("x"));
    private final TopicCommands topics = new TopicCommands(config);
    private final ReplicaCommands replicas = new ReplicaCommands();

    private static ErrorCode code(final CommandOutcome o, final int i) {
        return ErrorCode.forNumber(o.results.get(i).getError());
    }

    @Test
    void shouldValidateManualAssignments() {
        final MetadataImage image = PartitionPlacementTest.nodes(3, 0);
        final CommandOutcome o = topics.createTopics(image, CreateTopicsCommand.newBuilder()
            .addTopics(TopicRequest.newBuilder().setName("ok").addAssignments(assign(0, 3, 1))
                .addAssignments(assign(1, 1, 2)))
            .addTopics(TopicRequest.newBuilder().setName("unknown-node").addAssignments(assign(0, 9)))
            .addTopics(TopicRequest.newBuilder().setName("twice").addAssignments(assign(0, 1, 1)))
            .addTopics(TopicRequest.newBuilder().setName("gap").addAssignments(assign(1, 1)))
            .addTopics(TopicRequest.newBuilder().setName("huge").setPartitions(TopicCommands.MAX_PARTITIONS + 1)
                .setReplicationFactor(1))
            .build());
        assertThat(code(o, 0)).isEqualTo(ErrorCode.NONE);
        assertThat(code(o, 1)).isEqualTo(ErrorCode.UNKNOWN_NODE);
        assertThat(code(o, 2)).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(code(o, 3)).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(code(o, 4)).isEqualTo(ErrorCode.INVALID_PARTITIONS);
        assertThat(o.records).hasSize(1);
        assertThat(o.records.get(0).getCreateTopic().getPartitions(0).getReplicasList()).containsExactly(3, 1);
    }

    @Test
    void shouldCheckTheMergedConfigWhenAltering() {
        MetadataImage image = PartitionPlacementTest.withTopic(PartitionPlacementTest.nodes(1, 0), "t",
            List.of(List.of(1)));
        final CommandOutcome set = topics.alterConfigs(image, AlterConfigsCommand.newBuilder()
            .addTopics(changes("t", ConfigChange.newBuilder().setName("retention.bytes").setValue("1000")))
            .addTopics(changes("t", ConfigChange.newBuilder().setName("retention.bytes").setValue("-7")))
            .addTopics(changes("missing", ConfigChange.newBuilder().setName("retention.bytes").setValue("1")))
            .build());
        assertThat(code(set, 0)).isEqualTo(ErrorCode.NONE);
        assertThat(code(set, 1)).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(set.results.get(1).getMessage()).contains("retention.bytes");
        assertThat(code(set, 2)).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
        image = image.apply(MetadataBatch.newBuilder().addAllRecords(set.records).build(), image.epoch() + 1);
        assertThat(image.topic("t").configs()).containsEntry("retention.bytes", "1000");
        final CommandOutcome delete = topics.alterConfigs(image, AlterConfigsCommand.newBuilder()
            .addTopics(changes("t", ConfigChange.newBuilder().setName("retention.bytes").setDelete(true))).build());
        image = image.apply(MetadataBatch.newBuilder().addAllRecords(delete.records).build(), image.epoch() + 1);
        assertThat(image.topic("t").configs()).isEmpty();
    }

    @Test
    void shouldRefuseNewReplicasOnFencedNodesAndSkipRepeatedRegistrations() {
        MetadataImage image = PartitionPlacementTest.withTopic(PartitionPlacementTest.nodes(3, 0), "t",
            List.of(List.of(1, 2)));
        image = image.apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder()
            .setFenceNode(FenceNode.newBuilder().setNodeId(3))).build(), image.epoch() + 1);
        final CommandOutcome o = replicas.reassign(image, List.of(SetPartitionTarget.newBuilder().setTopic("t")
            .setPartition(0).addTargetReplicas(1).addTargetReplicas(3).build()));
        assertThat(code(o, 0)).isEqualTo(ErrorCode.UNKNOWN_NODE);
        assertThat(o.results.get(0).getMessage()).contains("FENCED");

        final RegisterNode same = RegisterNode.newBuilder().setNodeId(1).setHost("h").setPort(1)
            .setRaftAddress("h:2").setIncarnationId("x").setRack("").build();
        assertThat(replicas.register(image, same).records).isEmpty();
        assertThat(replicas.register(image, same.toBuilder().setIncarnationId("y").build()).records).hasSize(1);
        assertThat(replicas.register(image, same.toBuilder().setNodeId(3).build()).records)
            .as("a fenced node registering again is unfenced").hasSize(1);
        assertThat(code(replicas.register(image, same.toBuilder().setPort(0).build()), 0))
            .isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void shouldParseVotersAndNameBadEntries() {
        assertThat(MetadataQuorum.parseVoters("1@a:9000, 2@b:9001,3@c:9002")).containsExactly(
            Map.entry(1, "a:9000"), Map.entry(2, "b:9001"), Map.entry(3, "c:9002"));
        assertThatThrownBy(() -> MetadataQuorum.parseVoters("1@a:9000,x@b:1")).hasMessageContaining("x@b:1");
        assertThatThrownBy(() -> MetadataQuorum.parseVoters("1@a")).hasMessageContaining("id@host:port");
        assertThatThrownBy(() -> MetadataQuorum.parseVoters("1@a:1,1@b:2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> MetadataQuorum.parseVoters(" ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> new ControllerConfig(1, Map.of(1, "a:1"), Path.of("x"), 10, 300, 600, 10, 1, 1, 1,
            1, 1000)).hasMessageContaining("controller.session.timeout.ms");
    }

    private static PartitionReplicas assign(final int partition, final Integer... nodes) {
        return PartitionReplicas.newBuilder().setPartition(partition).addAllReplicas(List.of(nodes)).build();
    }

    private static TopicConfigChanges changes(final String topic, final ConfigChange.Builder change) {
        return TopicConfigChanges.newBuilder().setTopic(topic).addChanges(change).build();
    }
}
