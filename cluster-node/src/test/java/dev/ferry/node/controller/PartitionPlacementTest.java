package dev.ferry.node.controller;

import dev.ferry.node.controller.proto.CreateTopic;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataRecord;
import dev.ferry.node.controller.proto.RegisterNode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionPlacementTest {

    static MetadataImage nodes(final int count, final int racks) {
        final MetadataBatch.Builder b = MetadataBatch.newBuilder();
        for (int i = 1; i <= count; i++) {
            b.addRecords(MetadataRecord.newBuilder().setRegisterNode(RegisterNode.newBuilder().setNodeId(i)
                .setHost("h").setPort(1).setRaftAddress("h:2").setIncarnationId("x")
                .setRack(racks == 0 ? "" : "r" + (i % racks))));
        }
        return MetadataImage.EMPTY.apply(b.build(), 1);
    }

    static MetadataImage withTopic(final MetadataImage image, final String name, final List<List<Integer>> replicas) {
        return image.apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder().setCreateTopic(
            CreateTopic.newBuilder().setName(name).addAllPartitions(TopicCommands.toProto(0, replicas)))).build(),
            image.epoch() + 1);
    }

    @Property(tries = 200)
    void shouldBalanceReplicasAndLeadersWithinOne(@ForAll @IntRange(min = 1, max = 12) final int nodes,
                                                 @ForAll @IntRange(min = 1, max = 60) final int partitions,
                                                 @ForAll @IntRange(min = 1, max = 3) final int rf,
                                                 @ForAll @IntRange(min = 1, max = 3) final int topics) {
        if (rf > nodes) {
            return;
        }
        MetadataImage image = nodes(nodes, 0);
        for (int t = 0; t < topics; t++) {
            final List<List<Integer>> placed = new PartitionPlacement(image).place(partitions, rf);
            placed.forEach(r -> assertThat(new HashSet<>(r)).hasSize(rf));
            image = withTopic(image, "t" + t, placed);
            assertBalanced(image, nodes);
        }
    }

    @Property(tries = 200)
    void shouldPutReplicasOnDistinctRacks(@ForAll @IntRange(min = 3, max = 12) final int nodes,
                                          @ForAll @IntRange(min = 2, max = 4) final int racks,
                                          @ForAll @IntRange(min = 1, max = 40) final int partitions,
                                          @ForAll @IntRange(min = 1, max = 3) final int rf) {
        final MetadataImage image = nodes(nodes, racks);
        final int usableRacks = Math.min(racks, nodes);
        for (final List<Integer> replicas : new PartitionPlacement(image).place(partitions, rf)) {
            final Set<String> used = new HashSet<>();
            replicas.forEach(n -> used.add(image.node(n).rack()));
            assertThat(used).hasSize(Math.min(rf, usableRacks));
        }
    }

    @Test
    void shouldBeDeterministic() {
        final MetadataImage image = nodes(5, 2);
        assertThat(new PartitionPlacement(image).place(17, 3)).isEqualTo(new PartitionPlacement(image).place(17, 3));
    }

    @Test
    void shouldReplaceLeavingNodeInPlaceWithLeastLoadedNode() {
        MetadataImage image = nodes(4, 0);
        image = withTopic(image, "t", List.of(List.of(1, 2), List.of(1, 3), List.of(2, 3)));
        final List<Integer> target = new PartitionPlacement(image).replace(List.of(1, 2), 1, Set.of(1));
        assertThat(target).containsExactly(4, 2);
        final MetadataImage two = nodes(2, 0);
        assertThat(new PartitionPlacement(two).replace(List.of(1, 2), 2, Set.of(2))).containsExactly(1);
    }

    private static void assertBalanced(final MetadataImage image, final int nodes) {
        final Map<Integer, Integer> replicas = new HashMap<>();
        final Map<Integer, Integer> leaders = new HashMap<>();
        for (int n = 1; n <= nodes; n++) {
            replicas.put(n, image.replicaCount(n));
            leaders.put(n, image.preferredLeaderCount(n));
        }
        assertThat(max(replicas) - min(replicas)).as("replicas per node %s", replicas).isLessThanOrEqualTo(1);
        assertThat(max(leaders) - min(leaders)).as("leaders per node %s", leaders).isLessThanOrEqualTo(1);
    }

    private static int max(final Map<Integer, Integer> m) {
        return m.values().stream().mapToInt(i -> i).max().orElse(0);
    }

    private static int min(final Map<Integer, Integer> m) {
        return m.values().stream().mapToInt(i -> i).min().orElse(0);
    }
}
