package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import dev.ferry.log.TmpfsMount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replica whose disk fills up (a real tmpfs, mounted for the test; needs root) leaves service, while the
 * partition's majority keeps acknowledging and the full replica never holds divergent data.
 */
class DiskErrorTest extends RaftClusterTest {
    private static final PartitionId P = new PartitionId("metrics", 0);

    private TmpfsMount tmpfs;

    @AfterEach
    void tearDown() throws Exception {
        // The cluster's files live on the tmpfs: close it first (this runs before the base class's close).
        closeCluster();
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Test
    void shouldTakeAReplicaWithAFullDiskOutOfServiceWhileTheMajorityGoesOn() throws Exception {
        tmpfs = TmpfsMount.mountOrSkip(Files.createDirectories(tmp.resolve(MiniFerryRaftCluster.nodeId(2))), "8m");

        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        long end = 0;
        for (int i = 0; i < 10; i++) {
            end = cluster.appendToLeader(P, TestBatches.batch(10, 100, 1000L)).lastOffset() + 1;
        }
        cluster.awaitHighWatermark(P, end);
        if (cluster.awaitLeader(P) == 2) {
            cluster.host(2).transferLeadership(P, MiniFerryRaftCluster.nodeId(0), 10_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> cluster.awaitLeader(P) != 2);
        }
        tmpfs.fill("filler");

        final PartitionStateMachine full = cluster.host(2).stateMachine(P);
        for (int i = 0; i < 200 && full.isHealthy(); i++) {
            end = cluster.appendToLeader(P, TestBatches.batch(10, 1000, 1000L)).lastOffset() + 1;
        }
        assertThat(full.isHealthy()).as("replica on the full disk").isFalse();
        // The majority keeps acknowledging.
        for (int i = 0; i < 20; i++) {
            end = cluster.appendToLeader(P, TestBatches.batch(10, 100, 1000L)).lastOffset() + 1;
        }
        final long committed = end;
        await().atMost(Duration.ofSeconds(30)).until(() ->
            cluster.host(0).stateMachine(P).highWatermark().offset() >= committed
                && cluster.host(1).stateMachine(P).highWatermark().offset() >= committed);
        // What the full replica holds is a prefix of the committed log, byte for byte: nothing divergent.
        final long fullEnd = full.highWatermark().offset();
        assertThat(fullEnd).isLessThan(committed);
        final byte[] leaderPrefix = MiniFerryRaftCluster.committedBytes(cluster.host(0).stateMachine(P).log(), fullEnd);
        assertThat(MiniFerryRaftCluster.committedBytes(full.log(), fullEnd)).isEqualTo(leaderPrefix);
    }
}
