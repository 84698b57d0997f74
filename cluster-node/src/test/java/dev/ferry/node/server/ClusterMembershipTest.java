package dev.ferry.node.server;

import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsRequest;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsResponse;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.DecommissionNodeRequest;
import dev.ferry.client.protocol.proto.DecommissionNodeResponse;
import dev.ferry.client.protocol.proto.DescribeClusterRequest;
import dev.ferry.client.protocol.proto.DescribeClusterResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeDescription;
import dev.ferry.client.protocol.proto.NodeState;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.PartitionReassignment;
import dev.ferry.client.protocol.proto.ReplicaAssignment;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.log.TestBatches;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static dev.ferry.log.TestBatches.offsetsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster membership on 4 real nodes (3 controller voters + 1 broker): replicas moved onto a node by
 * reassignment (Raft membership change; the new replica copies the leader's segments over the network because
 * the leader's Raft log was purged), and a node decommissioned through the admin API, its replicas moved away.
 */
@Timeout(240)
class ClusterMembershipTest extends ClusterTestBase {
    private static final PartitionId P = new PartitionId("moving", 0);

    @Override
    int nodes() {
        return 4;
    }

    private List<Integer> replicas() {
        final PartitionMetadata p = client.metadata(P.topic()).getTopics(0).getPartitions(0);
        return p.getReplicasList();
    }

    private boolean hasAllData(final int index, final long records) {
        final PartitionStateMachine sm = cluster.node(index).raftHost().stateMachine(P);
        return sm != null && sm.highWatermark().offset() == records;
    }

    private List<Long> offsetsOn(final int index) throws Exception {
        final TestClient.Fetched f = client.fetch("127.0.0.1:" + cluster.port(index), P.topic(), 0, 0, 1 << 20, 0);
        final byte[] bytes = new byte[f.records().remaining()];
        f.records().get(bytes);
        return offsetsIn(bytes);
    }

    @Test
    void shouldMoveAReplicaToAnotherNodeThenDecommissionThatNode() throws Exception {
        final CreateTopicsResponse created = client.call(ApiKey.CREATE_TOPICS, CreateTopicsRequest.newBuilder()
            .setTimeoutMs(30_000).addTopics(TopicSpec.newBuilder().setName(P.topic())
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllReplicas(List.of(1, 2, 3))))
            .build(), CreateTopicsResponse.parser());
        assertThat(created.getResults(0).getError()).as(created.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.NONE);
        for (int b = 0; b < 3; b++) {
            client.produce(P.topic(), 0, TestBatches.batch(10, 64, b), WITHIN);
        }
        // Purge the leader's Raft log: node 4 can only catch up by copying segments (REPLICA_STATE + FETCH).
        final int leader = client.leader(P.topic(), 0).getNodeId() - 1;
        cluster.node(leader).raftHost().snapshot(P);

        final AlterPartitionReassignmentsResponse moved = client.call(ApiKey.ALTER_PARTITION_REASSIGNMENTS,
            AlterPartitionReassignmentsRequest.newBuilder().addReassignments(PartitionReassignment.newBuilder()
                .setTopic(P.topic()).setPartition(0).addAllReplicas(List.of(4, 2, 3))).build(),
            AlterPartitionReassignmentsResponse.parser());
        assertThat(moved.getResults(0).getError()).as(moved.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.NONE);
        await().atMost(WITHIN).until(() -> replicas().equals(List.of(4, 2, 3)));
        await().atMost(WITHIN).until(() -> hasAllData(3, 30));
        assertThat(offsetsOn(3)).hasSize(30).startsWith(0L).endsWith(29L);
        await().atMost(WITHIN).until(() -> cluster.node(0).raftHost().stateMachine(P) == null);
        client.produce(P.topic(), 0, TestBatches.batch(10, 64, 9), WITHIN);

        final DecommissionNodeResponse decommission = client.call(ApiKey.DECOMMISSION_NODE,
            DecommissionNodeRequest.newBuilder().setNodeId(4).build(), DecommissionNodeResponse.parser());
        assertThat(decommission.getError()).as(decommission.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        await().atMost(WITHIN).until(() -> !replicas().contains(4) && replicas().size() == 3);
        await().atMost(WITHIN).until(() -> cluster.node(3).raftHost().partitions().isEmpty());
        await().atMost(WITHIN).until(() -> stateOf(4) == NodeState.DECOMMISSIONED);
        for (final int replica : replicas()) {
            await().atMost(WITHIN).until(() -> hasAllData(replica - 1, 40));
            assertThat(offsetsOn(replica - 1)).hasSize(40);
        }
    }

    @Test
    void shouldReplaceBothReplicasOfATwoReplicaPartitionOneStepAtATime() throws Exception {
        final PartitionId pair = new PartitionId("pair", 0);
        final CreateTopicsResponse created = client.call(ApiKey.CREATE_TOPICS, CreateTopicsRequest.newBuilder()
            .setTimeoutMs(30_000).addTopics(TopicSpec.newBuilder().setName(pair.topic())
                .addAssignments(ReplicaAssignment.newBuilder().setPartition(0).addAllReplicas(List.of(2, 3))))
            .build(), CreateTopicsResponse.parser());
        assertThat(created.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        client.produce(pair.topic(), 0, TestBatches.batch(10, 64, 1), WITHIN);

        // Ratis refuses to change a majority of a configuration at once: [2,3] -> [1,4] goes through
        // [2,3,1], [2,3,1,4], ... one replica per change.
        final AlterPartitionReassignmentsResponse moved = client.call(ApiKey.ALTER_PARTITION_REASSIGNMENTS,
            AlterPartitionReassignmentsRequest.newBuilder().addReassignments(PartitionReassignment.newBuilder()
                .setTopic(pair.topic()).setPartition(0).addAllReplicas(List.of(1, 4))).build(),
            AlterPartitionReassignmentsResponse.parser());
        assertThat(moved.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        await().atMost(WITHIN).until(() -> client.metadata(pair.topic()).getTopics(0).getPartitions(0)
            .getReplicasList().equals(List.of(1, 4)));
        for (final int node : List.of(0, 3)) {
            await().atMost(WITHIN).until(() -> {
                final PartitionStateMachine sm = cluster.node(node).raftHost().stateMachine(pair);
                return sm != null && sm.highWatermark().offset() == 10;
            });
        }
        await().atMost(WITHIN).until(() -> cluster.node(1).raftHost().stateMachine(pair) == null
            && cluster.node(2).raftHost().stateMachine(pair) == null);
        assertThat(client.produce(pair.topic(), 0, TestBatches.batch(5, 64, 2), WITHIN)).isEqualTo(10);
    }

    private NodeState stateOf(final int nodeId) {
        final DescribeClusterResponse d = client.call(ApiKey.DESCRIBE_CLUSTER,
            DescribeClusterRequest.getDefaultInstance(), DescribeClusterResponse.parser());
        return d.getNodesList().stream().filter(n -> n.getEndpoint().getNodeId() == nodeId)
            .map(NodeDescription::getState).findFirst().orElse(NodeState.NODE_STATE_UNSPECIFIED);
    }
}
