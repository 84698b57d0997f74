package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica whose files were damaged while its node was down (bits flipped in a segment, a segment cut short)
 * is found out by CRC at start, taken out of service, and rebuilt from its peers with nothing lost.
 */
class ReplicaRepairTest extends RaftClusterTest {
    private static final PartitionId P = new PartitionId("ledger", 0);

    private long produce(final int batches, final long from) throws InterruptedException {
        long end = from;
        for (int i = 0; i < batches; i++) {
            end = cluster.appendToLeader(P, TestBatches.batch(5, 200, 1000L + i)).lastOffset() + 1;
        }
        return end;
    }

    /** The node's partition directory, its segments oldest first. */
    private List<Path> segments(final int node) throws IOException {
        final Path dir = tmp.resolve(MiniFerryRaftCluster.nodeId(node)).resolve("logs").resolve(P.name());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    private void assertIdentical(final long upTo) {
        final byte[] expected = MiniFerryRaftCluster.committedBytes(cluster.host(0).stateMachine(P).log(), upTo);
        for (int i = 1; i < cluster.size(); i++) {
            assertThat(MiniFerryRaftCluster.committedBytes(cluster.host(i).stateMachine(P).log(), upTo))
                .as("replica %d", i).isEqualTo(expected);
        }
    }

    /** What a crash leaves: no clean-shutdown marker. */
    private void forgetCleanShutdown(final int node) throws IOException {
        final Path dir = tmp.resolve(MiniFerryRaftCluster.nodeId(node)).resolve("logs").resolve(P.name());
        Files.deleteIfExists(dir.resolve(".clean-shutdown"));
    }

    @Test
    void shouldRebuildAReplicaWhoseSegmentHasFlippedBits() throws Exception {
        damageAndRebuild(Durability.REPLICATED, segment -> {
            try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                for (long at = f.length() / 3; at < f.length() * 2 / 3; at += 4093) {
                    f.seek(at);
                    final int b = f.read();
                    f.seek(at);
                    f.write(b ^ 0x5A);
                }
            }
        });
    }

    @Test
    void shouldRebuildAReplicaWhoseSegmentWasCutShort() throws Exception {
        damageAndRebuild(Durability.REPLICATED, segment -> {
            try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                f.setLength(f.length() / 2 + 7);
            }
        });
    }

    @Test
    void shouldRebuildAnFsyncReplicaWithFlippedBitsInFlushedData() throws Exception {
        // Under fsync the damage lies below the recovery point: the log refuses to open instead of cutting.
        damageAndRebuild(Durability.FSYNC, segment -> {
            try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                f.seek(f.length() / 2);
                final int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0x01);
            }
        });
    }

    @Test
    void shouldRebuildAReplicaWithFlippedBitsInAnOlderSegment() throws Exception {
        // Damage below the segment of the recovery point: the log refuses to open rather than cut flushed data.
        damageAndRebuild(Durability.REPLICATED, 700, segment -> {
            try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
                f.seek(f.length() / 2);
                final int b = f.read();
                f.seek(f.length() / 2);
                f.write(b ^ 0x01);
            }
        });
    }

    @Test
    void shouldStartANodeWhoseRaftGroupLostItsTermAndVoteAndRebuildThatReplica() throws Exception {
        // A full disk: Ratis renamed an empty temporary file over the group's raft-meta. Ratis then refused to
        // start the node's whole server (every replica of the node) with "Failed to load .../raft-meta".
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        long end = produce(20, 0);
        cluster.awaitHighWatermark(P, end);
        final int damaged = (cluster.awaitLeader(P) + 1) % 3;
        cluster.stop(damaged);
        final Path raftDir = tmp.resolve(MiniFerryRaftCluster.nodeId(damaged)).resolve("raft");
        final Path groupDir = raftDir.resolve(P.raftGroupUuid().toString());
        Files.write(groupDir.resolve("current").resolve("raft-meta"), new byte[0]);
        assertThat(RaftGroupStorage.metadataProblem(groupDir)).contains("lacks its term or vote");

        cluster.start(damaged);

        assertThat(cluster.host(damaged).stateMachine(P)).as("the replica is dropped, not started").isNull();
        try (Stream<Path> dirs = Files.list(raftDir)) {
            assertThat(dirs.map(d -> d.getFileName().toString()))
                .anyMatch(n -> n.startsWith(P.raftGroupUuid() + RaftGroupStorage.DAMAGED_SUFFIX));
        }
        // What the node's reconciler does for an assigned replica it lacks: add it back, empty.
        end = produce(5, end);
        cluster.host(damaged).addReplica(P, cluster.peers());
        end = produce(5, end);
        cluster.awaitHighWatermark(P, end);
        assertIdentical(end);
    }

    @FunctionalInterface
    private interface Damage {
        void apply(Path segment) throws IOException;
    }

    private void damageAndRebuild(final Durability durability, final Damage damage) throws Exception {
        damageAndRebuild(durability, 200, damage);
    }

    private void damageAndRebuild(final Durability durability, final int batches, final Damage damage)
        throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, durability, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        long end = produce(batches, 0);
        cluster.awaitHighWatermark(P, end);
        final int leader = cluster.awaitLeader(P);
        final int damaged = (leader + 1) % 3;
        cluster.stop(damaged);
        forgetCleanShutdown(damaged);
        damage.apply(segments(damaged).get(0));
        cluster.start(damaged);
        final PartitionStateMachine found = cluster.host(damaged).stateMachine(P);
        assertThat(found.isHealthy()).as("replica with a damaged segment").isFalse();
        // Out of service: it neither serves nor leads while it waits for its rebuild.
        cluster.host(damaged).retireFromLeadership(P);
        end = produce(5, end);
        assertThat(cluster.awaitLeader(P)).isNotEqualTo(damaged);
        cluster.host(damaged).rebuildReplica(P);
        end = produce(5, end);
        cluster.awaitHighWatermark(P, end);
        assertIdentical(end);
        assertThat(cluster.host(damaged).stateMachine(P).isHealthy()).isTrue();
    }
}
