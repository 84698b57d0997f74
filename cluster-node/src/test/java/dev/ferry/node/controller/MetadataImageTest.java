package dev.ferry.node.controller;

import dev.ferry.node.controller.proto.AllocateProducerIds;
import dev.ferry.node.controller.proto.ClusterId;
import dev.ferry.node.controller.proto.CompletePartitionReassignment;
import dev.ferry.node.controller.proto.DecommissionNode;
import dev.ferry.node.controller.proto.DeleteTopic;
import dev.ferry.node.controller.proto.FenceNode;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.SetPartitionTarget;
import dev.ferry.node.controller.proto.UnfenceNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MetadataImageTest {

    private static MetadataImage apply(final MetadataImage image, final MetadataRecord.Builder... records) {
        final MetadataBatch.Builder b = MetadataBatch.newBuilder();
        for (final MetadataRecord.Builder r : records) {
            b.addRecords(r);
        }
        return image.apply(b.build(), image.epoch() + 1);
    }

    @Test
    void shouldApplyRecordsAndRoundTripThroughSnapshot() {
        MetadataImage image = PartitionPlacementTest.nodes(3, 0);
        image = PartitionPlacementTest.withTopic(image, "t", List.of(List.of(1, 2), List.of(2, 3)));
        image = apply(image, MetadataRecord.newBuilder().setClusterId(ClusterId.newBuilder().setClusterId("c1")),
            MetadataRecord.newBuilder().setAllocateProducerIds(AllocateProducerIds.newBuilder().setCount(1000)),
            MetadataRecord.newBuilder().setFenceNode(FenceNode.newBuilder().setNodeId(3)));
        assertThat(image.node(3).state()).isEqualTo(NodeState.FENCED);
        assertThat(image.nextProducerId()).isEqualTo(1000);
        assertThat(MetadataImage.fromSnapshot(image.toSnapshot()).toSnapshot()).isEqualTo(image.toSnapshot());
        image = apply(image, MetadataRecord.newBuilder().setClusterId(ClusterId.newBuilder().setClusterId("c2")),
            MetadataRecord.newBuilder().setUnfenceNode(UnfenceNode.newBuilder().setNodeId(3)));
        assertThat(image.clusterId()).isEqualTo("c1");
        assertThat(image.node(3).state()).isEqualTo(NodeState.ALIVE);
    }

    @Test
    void shouldFinishDecommissionWhenNodeHoldsNoReplica() {
        MetadataImage image = PartitionPlacementTest.nodes(3, 0);
        image = PartitionPlacementTest.withTopic(image, "t", List.of(List.of(3, 1), List.of(1, 2)));
        image = apply(image, MetadataRecord.newBuilder().setDecommissionNode(DecommissionNode.newBuilder()
            .setNodeId(3)), MetadataRecord.newBuilder().setSetPartitionTarget(SetPartitionTarget.newBuilder()
            .setTopic("t").setPartition(0).addTargetReplicas(2).addTargetReplicas(1)));
        assertThat(image.node(3).state()).isEqualTo(NodeState.DECOMMISSIONING);
        assertThat(image.topic("t").partition(0).targetReplicas()).containsExactly(2, 1);
        image = apply(image, MetadataRecord.newBuilder().setCompletePartitionReassignment(
            CompletePartitionReassignment.newBuilder().setTopic("t").setPartition(0)));
        assertThat(image.node(3).state()).isEqualTo(NodeState.DECOMMISSIONED);
        assertThat(image.topic("t").partition(0).replicas()).containsExactly(2, 1);
        assertThat(image.topic("t").partition(0).reassigning()).isFalse();
    }

    @Test
    void shouldSkipRecordsThatNoLongerFit() {
        MetadataImage image = PartitionPlacementTest.nodes(1, 0);
        final long epoch = image.epoch();
        image = apply(image, MetadataRecord.newBuilder().setDeleteTopic(DeleteTopic.newBuilder().setName("gone")),
            MetadataRecord.newBuilder().setSetPartitionTarget(SetPartitionTarget.newBuilder().setTopic("gone")),
            MetadataRecord.newBuilder().setFenceNode(FenceNode.newBuilder().setNodeId(99)));
        assertThat(image.epoch()).isEqualTo(epoch + 1);
        assertThat(image.topics()).isEmpty();
    }
}
