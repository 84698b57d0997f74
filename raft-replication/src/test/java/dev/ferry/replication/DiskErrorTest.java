package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A replica whose disk fills up (a real tmpfs, mounted for the test; needs root) leaves service, while the
 * partition's majority keeps acknowledging and the full replica never holds divergent data.
 */
class DiskErrorTest {
    private static final PartitionId P = new PartitionId("metrics", 0);

    @TempDir
    Path tmp;

    private MiniFerryRaftCluster cluster;
    private Path mountPoint;

    private static String[] run(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @AfterEach
    void tearDown() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (mountPoint != null) {
            // Closed indexes stay mapped until GC (never unmapped on purpose): detach lazily.
            run("umount", "-l", mountPoint.toString());
        }
    }

    @Test
    void shouldTakeAReplicaWithAFullDiskOutOfServiceWhileTheMajorityGoesOn() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs");
        mountPoint = Files.createDirectories(tmp.resolve(MiniFerryRaftCluster.nodeId(2)));
        final String[] mount = run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint.toString());
        Assumptions.assumeTrue("0".equals(mount[0]), () -> "mount -t tmpfs not permitted: " + mount[1]);

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
        fill(mountPoint.resolve("filler"));

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

    private static void fill(final Path filler) throws IOException {
        final byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 1);
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
            }
        } catch (final IOException expected) {
            // "No space left on device": the tmpfs is full now.
            assertThat(expected.getMessage()).contains("No space left");
        }
    }
}
