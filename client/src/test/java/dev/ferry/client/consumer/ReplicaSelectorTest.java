package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicaSelectorTest {
    private static ClusterMetadata metadata(final int partitions) {
        final TopicMetadata.Builder t = TopicMetadata.newBuilder().setName("t");
        for (int p = 0; p < partitions; p++) {
            t.addPartitions(PartitionMetadata.newBuilder().setPartition(p).setLeaderId(1)
                .addAllReplicas(List.of(1, 2, 3)));
        }
        final MetadataResponse.Builder r = MetadataResponse.newBuilder().addTopics(t);
        for (int n = 1; n <= 3; n++) {
            r.addNodes(NodeEndpoint.newBuilder().setNodeId(n).setHost("h").setPort(n).setRack("rack-" + n));
        }
        return ClusterMetadata.EMPTY.merge(r.build());
    }

    @Test
    void prefersTheClientsRack() {
        final ClusterMetadata m = metadata(6);
        for (int p = 0; p < 6; p++) {
            assertThat(ReplicaSelector.choose(m, new TopicPartition("t", p), "rack-2", Set.of())).isEqualTo(2);
        }
    }

    @Test
    void spreadsOverLeaderAndFollowersWithoutARack() {
        final ClusterMetadata m = metadata(12);
        final Set<Integer> used = new HashSet<>();
        for (int p = 0; p < 12; p++) {
            used.add(ReplicaSelector.choose(m, new TopicPartition("t", p), "", Set.of()));
        }
        assertThat(used).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void avoidsAFailedNodeEvenInTheRack() {
        final ClusterMetadata m = metadata(1);
        final TopicPartition tp = new TopicPartition("t", 0);
        assertThat(ReplicaSelector.choose(m, tp, "rack-2", Set.of(2))).isIn(1, 3);
        assertThat(ReplicaSelector.choose(m, tp, "", Set.of(1, 2, 3))).isIn(1, 2, 3);
        assertThat(ReplicaSelector.choose(m, new TopicPartition("unknown", 0), "", Set.of())).isEqualTo(-1);
    }
}
