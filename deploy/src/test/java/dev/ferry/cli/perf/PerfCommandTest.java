package dev.ferry.cli.perf;

import dev.ferry.cli.FerryCli;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NodeState;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.node.server.LocalCluster;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** ferry perf produce, consume and e2e, run in-process through FerryCli against a real 3-node cluster. */
@Timeout(100)
class PerfCommandTest {
    private static final String PROGRESS = "\\d+ records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), "
        + "[\\d.]+ ms avg latency, [\\d.]+ ms max latency\\.";
    private static final String FINAL = "(\\d+) records sent, [\\d.]+ records/sec \\([\\d.]+ MB/sec\\), "
        + "[\\d.]+ ms avg latency, [\\d.]+ ms max latency, [\\d.]+ ms 50th, [\\d.]+ ms 95th, "
        + "[\\d.]+ ms 99th, [\\d.]+ ms 99.9th\\.";

    @TempDir
    static Path dir;
    private static LocalCluster cluster;
    private static String brokers;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.fastSettings(),
            List.of("rack-1", "rack-2", "rack-3"));
        brokers = String.join(",", cluster.bootstrap());
        // Topics with 3 replicas need all 3 nodes registered with the controller, which follows the start.
        try (FerryAdmin admin = FerryAdmin.create(Map.of("bootstrap.servers", brokers))) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> admin.describeCluster().join().nodes()
                .stream().filter(n -> n.state() == NodeState.ALIVE).count() == 3);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** What one command run printed, and its exit code. */
    private record Run(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    private static Run ferry(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = FerryCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void shouldProduceWithProgressAndLogEveryAcknowledgedRecordThenConsumeThemAllFromFollowers() throws Exception {
        final Path log = dir.resolve("acked.log");
        final Run produce = ferry("perf", "produce", "--brokers", brokers, "--topic", "perf-a", "--create-topic",
            "--partitions", "3", "--replication-factor", "3", "--num-records", "20000", "--record-size", "100",
            "--throughput", "12000", "--acks", "all", "--record-log", log.toString(),
            "--reporting-interval-ms", "300");

        assertThat(produce.exit()).as(produce.err()).isZero();
        assertThat(produce.outLines()).first().isEqualTo("topic perf-a: 3 partitions");
        assertThat(produce.outLines()).filteredOn(l -> l.matches(PROGRESS)).hasSizeGreaterThanOrEqualTo(2);
        assertThat(produce.outLines()).last().asString().matches(FINAL).startsWith("20000 records sent");

        final List<String> acked = Files.readAllLines(log, StandardCharsets.US_ASCII);
        assertThat(acked).hasSize(20000);
        final Set<String> keys = new HashSet<>();
        final Set<String> positions = new HashSet<>();
        for (final String line : acked) {
            final String[] f = line.split(" ");
            positions.add(f[0] + " " + f[1]);
            keys.add(f[2]);
        }
        assertThat(keys).hasSize(20000).contains("0", "19999");
        assertThat(positions).as("partition and offset of each record are distinct").hasSize(20000);
        assertLoggedRecordsAreStored(acked);

        final Run consume = ferry("perf", "consume", "--brokers", brokers, "--topic", "perf-a", "--messages",
            "20000", "--from-beginning", "--rack", "rack-2", "--reporting-interval-ms", "300");
        assertThat(consume.exit()).as(consume.err()).isZero();
        final List<String> lines = consume.outLines();
        assertThat(lines.get(lines.size() - 2)).isEqualTo(ConsumerPerformance.Result.HEADER);
        final String[] columns = lines.get(lines.size() - 1).split(", ");
        assertThat(columns).hasSize(10);
        assertThat(columns[4]).isEqualTo("20000");
        // 20000 x (100-byte value + a key of 1 to 5 digits)
        assertThat(Double.parseDouble(columns[2])).isBetween(2_000_000 / 1048576.0, 2_100_000 / 1048576.0);
    }

    /** Reads every partition back with a plain consumer and checks each logged (partition, offset) holds its key. */
    private static void assertLoggedRecordsAreStored(final List<String> acked) {
        final Map<String, String> stored = new HashMap<>();
        try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", brokers))) {
            final List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                all.add(new TopicPartition("perf-a", p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (stored.size() < acked.size() && System.nanoTime() < deadline) {
                for (final ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    stored.put(r.partition() + " " + r.offset(), new String(r.key(), StandardCharsets.US_ASCII));
                }
            }
        }
        for (final String line : acked) {
            final String[] f = line.split(" ");
            assertThat(stored.get(f[0] + " " + f[1])).as(line).isEqualTo(f[2]);
        }
    }

    @Test
    void shouldPrintJsonSummariesAndConsumeInAGroup() {
        final Run produce = ferry("perf", "produce", "--brokers", brokers, "--topic", "perf-json", "--create-topic",
            "--num-records", "5000", "--record-size", "200", "--json", "--producer-props", "acks=1", "linger.ms=2");
        assertThat(produce.exit()).as(produce.err()).isZero();
        assertThat(produce.outLines()).hasSize(1);
        assertThat(produce.out()).startsWith("{\"tool\":\"produce\",\"topic\":\"perf-json\",\"records\":5000,"
            + "\"failed\":0,\"record_size\":200,").contains("\"p999_ms\":");
        assertThat(produce.err()).contains("5000 records sent");

        final Run consume = ferry("perf", "consume", "--brokers", brokers, "--topic", "perf-json", "--messages",
            "5000", "--from-beginning", "--group", "perf-group", "--json");
        assertThat(consume.exit()).as(consume.err()).isZero();
        assertThat(consume.out()).startsWith("{\"tool\":\"consume\",\"topic\":\"perf-json\",\"records\":5000,"
            + "\"bytes\":1000000,");
    }

    @Test
    void shouldMeasureEndToEndLatencyAtAFixedRate() {
        final Run e2e = ferry("perf", "e2e", "--brokers", brokers, "--topic", "perf-e2e", "--create-topic",
            "--num-records", "600", "--throughput", "400", "--reporting-interval-ms", "500");
        assertThat(e2e.exit()).as(e2e.err()).isZero();
        assertThat(e2e.out()).containsPattern("\\d+ records received, [\\d.]+ records/sec")
            .contains("600 records received of 600 sent")
            .containsPattern("Avg latency: [\\d.]+ ms")
            .containsPattern("Percentiles: 50th = [\\d.]+, 99th = [\\d.]+, 99.9th = [\\d.]+, max = [\\d.]+ \\(ms\\)");
    }

    @Test
    void shouldRefuseBadInputWithOneLine() {
        final Run zero = ferry("perf", "produce", "--brokers", brokers, "--topic", "x", "--num-records", "0");
        assertThat(zero.exit()).isEqualTo(FerryCli.EXIT_USAGE);
        assertThat(zero.err()).startsWith("ferry perf produce: --num-records must be positive: 0");

        final Run unknown = ferry("perf", "consume", "--brokers", brokers, "--topic", "no-such-topic",
            "--messages", "1", "--timeout-ms", "3000");
        assertThat(unknown.exit()).isEqualTo(FerryCli.EXIT_FAILED);
        assertThat(unknown.err().lines()).hasSize(1);
        assertThat(unknown.err()).startsWith("ferry perf consume: UNKNOWN_TOPIC").contains("no-such-topic");

        final Run small = ferry("perf", "e2e", "--brokers", brokers, "--topic", "x", "--record-size", "4");
        assertThat(small.exit()).isEqualTo(FerryCli.EXIT_USAGE);
        assertThat(small.err()).startsWith("ferry perf e2e: --record-size must be at least 8");
    }
}
