package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CatchUpTest extends RaftClusterTest {
    private static final PartitionId P = new PartitionId("clicks", 0);
    /** Checkpoints every 40 entries and 4 KiB Raft log segments, so purges really remove entries. */
    private static final RaftTuning SNAPSHOT_OFTEN = new RaftTuning(300, 600, 4 << 20, 40, 4096);

    private long produce(final int batches, final long from) throws InterruptedException {
        long end = from;
        for (int i = 0; i < batches; i++) {
            end = cluster.appendToLeader(P, TestBatches.batch(5, 200, 1000L + i)).lastOffset() + 1;
        }
        return end;
    }

    private void assertIdentical(final long upTo) {
        final byte[] expected = MiniFerryRaftCluster.committedBytes(cluster.host(0).stateMachine(P).log(), upTo);
        for (int i = 1; i < cluster.size(); i++) {
            if (cluster.host(i) != null && cluster.host(i).stateMachine(P) != null) {
                assertThat(MiniFerryRaftCluster.committedBytes(cluster.host(i).stateMachine(P).log(), upTo))
                    .as("replica %d", i).isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldCatchUpAFollowerBehindThePurgedRaftLogByCopyingSegments() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments(),
            SNAPSHOT_OFTEN);
        cluster.createPartition(P);
        long end = produce(20, 0);
        final int leader = cluster.awaitLeader(P);
        final int lagging = (leader + 1) % 3;
        cluster.stop(lagging);
        end = produce(200, end);
        // The leader's automatic checkpoints purged its Raft log past what the stopped follower has.
        cluster.host(leader).snapshot(P);
        cluster.start(lagging);
        cluster.awaitHighWatermark(P, end);
        assertIdentical(end);
        assertThat(cluster.host(lagging).stateMachine(P).catchUps()).as("segment copies").isPositive();
        end = produce(5, end);
        cluster.awaitHighWatermark(P, end);
        assertIdentical(end);
    }

    @Test
    void shouldAddAReplicaThatCatchesUpByCopyAndThenRemoveAnother() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 4, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments(),
            SNAPSHOT_OFTEN);
        final List<RaftPeer> all = cluster.peers();
        final List<RaftPeer> first3 = new ArrayList<>(all.subList(0, 3));
        for (int i = 0; i < 3; i++) {
            cluster.host(i).addReplica(P, first3);
        }
        long end = produce(150, 0);
        int leader = cluster.awaitLeader(P);
        cluster.host(leader).snapshot(P);

        // Reassignment: n3 joins with the new peer list, then the leader commits the new configuration.
        cluster.host(3).addReplica(P, all);
        cluster.host(leader).changeReplicas(P, all);
        cluster.awaitHighWatermark(P, end);
        assertThat(cluster.host(3).stateMachine(P).log().logEndOffset()).isEqualTo(end);
        assertThat(cluster.host(3).stateMachine(P).catchUps()).as("segment copies").isPositive();
        end = produce(5, end);
        cluster.awaitHighWatermark(P, end);

        // Then one of the original replicas leaves.
        leader = cluster.awaitLeader(P);
        final int leaving = leader == 0 ? 1 : 0;
        final List<RaftPeer> remaining = new ArrayList<>(all);
        remaining.remove(leaving);
        cluster.host(leader).changeReplicas(P, remaining);
        cluster.host(leaving).removeReplica(P, true);
        end = produce(5, end);
        // An append returns once a majority has it; each replica is compared after its own high watermark got there.
        final long target = end;
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
            .until(() -> cluster.host(3).stateMachine(P).highWatermark().offset() >= target);
        final byte[] expected = MiniFerryRaftCluster.committedBytes(cluster.host(3).stateMachine(P).log(), end);
        for (final int i : new int[] {0, 1, 2}) {
            if (i != leaving) {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> cluster.host(i).stateMachine(P).highWatermark().offset() >= target);
                assertThat(MiniFerryRaftCluster.committedBytes(cluster.host(i).stateMachine(P).log(), end))
                    .as("replica %d", i).isEqualTo(expected);
            }
        }
        assertThat(cluster.host(leaving).stateMachine(P)).isNull();
    }
}
