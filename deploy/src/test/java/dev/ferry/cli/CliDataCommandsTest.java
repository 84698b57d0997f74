package dev.ferry.cli;

import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * produce, consume and the group commands against a real 3-node cluster: records go in from stdin and come out in
 * each format; a group commits what it printed; describe shows the lag and reset-offsets moves it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliDataCommandsTest {
    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static CliRunner cli;

    @BeforeAll
    static void start() throws Exception {
        cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings());
        cli = new CliRunner(String.join(",", cluster.bootstrap()), 20_000);
        cli.awaitHealthy();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void create(final String topic, final int partitions) {
        final CliRunner.Result r = cli.run("topic", "create", topic, "-p", Integer.toString(partitions));
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void producedLinesComeBackWithKeysHeadersAndOffsets() {
        create("lines", 2);

        final CliRunner.Result produced = cli.runWithInput("k1:v1\nk2:v:2\nno key\n", "produce", "lines",
            "--key-separator", ":", "-H", "source=cli", "-H", "n=1", "-p", "1");

        assertThat(produced.exit()).as(produced.toString()).isZero();
        assertThat(produced.out()).isEmpty();
        assertThat(produced.err()).isEqualTo("produced 3 of 3 records to lines (1 partitions; last offset per "
            + "partition: 1:2)\n");

        final CliRunner.Result template = cli.run("consume", "lines", "--from-beginning", "-n", "3", "-f",
            "%t/%p@%o %k=%v [%h]");
        assertThat(template.exit()).as(template.toString()).isZero();
        assertThat(template.lines()).containsExactly("lines/1@0 k1=v1 [source=cli,n=1]",
            "lines/1@1 k2=v:2 [source=cli,n=1]", "lines/1@2 =no key [source=cli,n=1]");

        final CliRunner.Result values = cli.run("consume", "lines", "--from-beginning", "-n", "3");
        assertThat(values.lines()).containsExactly("v1", "v:2", "no key");

        final CliRunner.Result json = cli.run("consume", "lines", "-p", "1", "--offset", "1", "-n", "1", "-f", "json");
        assertThat(json.exit()).as(json.toString()).isZero();
        assertThat(json.lines()).singleElement().asString()
            .matches("\\{\"topic\":\"lines\",\"partition\":1,\"offset\":1,\"timestamp\":\\d+,\"key\":\"k2\","
                + "\"value\":\"v:2\",\"headers\":\\[\\{\"key\":\"source\",\"value\":\"cli\"},"
                + "\\{\"key\":\"n\",\"value\":\"1\"}]}");
    }

    @Test
    void producesWithAcksOneAndCompressionAcrossPartitions() {
        create("spread", 3);
        final StringBuilder in = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            in.append("key-").append(i).append('\t').append("value-").append(i).append('\n');
        }

        final CliRunner.Result r = cli.runWithInput(in.toString(), "produce", "spread", "--key-separator", "\t",
            "--acks", "1", "-X", "compression.type=lz4");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err())
            .startsWith("produced 30 of 30 records to spread (3 partitions; last offset per partition: 0:");
        final CliRunner.Result back = cli.run("consume", "spread", "--from-beginning", "-n", "30", "-f", "%k %v");
        assertThat(back.lines()).hasSize(30).contains("key-0 value-0", "key-29 value-29");
    }

    @Test
    void produceExitsOneWhenARecordFails() {
        final CliRunner.Result created = cli.run("topic", "create", "capped", "-p", "1", "-c", "max.batch.bytes=1024");
        assertThat(created.exit()).as(created.toString()).isZero();

        final CliRunner.Result r = cli.runWithInput("x".repeat(4_000) + "\n", "produce", "capped");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        final List<String> err = r.err().lines().toList();
        assertThat(err).hasSize(2);
        assertThat(err.get(0)).isEqualTo("produced 0 of 1 records to capped (0 partitions; last offset per partition: "
            + "none)");
        assertThat(err.get(1)).startsWith("ferry produce: 1 of 1 records failed, the first: ");
    }

    @Test
    void consumeFromTimestampStartsAtTheFirstRecordAtOrAfterIt() {
        create("timed", 1);
        assertThat(cli.runWithInput("a\nb\n", "produce", "timed").exit()).isZero();

        assertThat(cli.run("consume", "timed", "--from-timestamp", "0", "-n", "2").lines()).containsExactly("a", "b");
        assertThat(cli.run("consume", "timed", "--from-timestamp", "1970-01-01T00:00:00Z", "-n", "1").lines())
            .containsExactly("a");
        final CliRunner.Result future = cli.run("consume", "timed", "--from-timestamp", "2100-01-01", "--timeout",
            "500ms");
        assertThat(future.exit()).as(future.toString()).isZero();
        assertThat(future.out()).isEmpty();
    }

    @Test
    void consumeFromTheEndWaitsForNewRecordsAndStopsWhenIdle() {
        create("idle", 1);
        assertThat(cli.runWithInput("old\n", "produce", "idle").exit()).isZero();

        final long start = System.nanoTime();
        final CliRunner.Result r = cli.run("consume", "idle", "--timeout", "1s");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(1),
            Duration.ofSeconds(15));
    }

    @Test
    void groupConsumeCommitsWhatItPrintedAndDescribeShowsTheLag() {
        create("grouped", 2);
        final StringBuilder in = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            in.append("k").append(i).append('=').append(i).append('\n');
        }
        assertThat(cli.runWithInput(in.toString(), "produce", "grouped", "--key-separator", "=").exit()).isZero();

        final CliRunner.Result first = cli.run("consume", "grouped", "-g", "readers", "--from-beginning", "-n", "4");
        assertThat(first.exit()).as(first.toString()).isZero();
        assertThat(first.lines()).hasSize(4);
        // --from-beginning again: a partition the first run printed nothing from has no committed offset.
        final CliRunner.Result rest = cli.run("consume", "grouped", "-g", "readers", "--from-beginning", "--timeout",
            "2s");
        assertThat(rest.exit()).as(rest.toString()).isZero();
        assertThat(rest.lines()).hasSize(6).doesNotContainAnyElementsOf(first.lines());

        final CliRunner.Result list = cli.run("group", "list");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).startsWith("GROUP").containsPattern("(?m)^readers\\s+\\S+$");

        final CliRunner.Result described = awaitEmptyGroup("readers");
        assertThat(described.out()).containsPattern("members\\s+0\\n").containsPattern("total-lag\\s+0\\n")
            .containsPattern("(?m)^grouped\\s+0\\s+\\d+\\s+\\d+\\s+0\\s+-\\s+-\\s+-$")
            .containsPattern("(?m)^grouped\\s+1\\s+\\d+\\s+\\d+\\s+0\\s+-\\s+-\\s+-$");

        final CliRunner.Result json = cli.run("group", "describe", "readers", "--format", "json");
        assertThat(json.exit()).as(json.toString()).isZero();
        assertThat(json.out()).startsWith("{\"group\":\"readers\",\"coordinator\":").contains("\"total_lag\":0",
            "\"members\":[]", "{\"topic\":\"grouped\",\"partition\":0,\"committed_offset\":");

        final CliRunner.Result reset = cli.run("group", "reset-offsets", "readers", "--topic", "grouped",
            "--to-earliest");
        assertThat(reset.exit()).as(reset.toString()).isZero();
        assertThat(reset.out()).startsWith("TOPIC    PARTITION  PREVIOUS-OFFSET  NEW-OFFSET\n")
            .containsPattern("(?m)^grouped\\s+0\\s+\\d+\\s+0$").containsPattern("(?m)^grouped\\s+1\\s+\\d+\\s+0$");
        assertThat(cli.run("group", "describe", "readers").out()).containsPattern("total-lag\\s+10\\n");
        assertThat(cli.run("consume", "grouped", "-g", "readers", "--timeout", "2s").lines()).hasSize(10);

        assertThat(cli.run("group", "reset-offsets", "readers", "-t", "grouped", "-p", "0", "--to-offset", "0")
            .exit()).isZero();
        assertThat(cli.run("group", "reset-offsets", "readers", "-t", "grouped", "--to-latest").out())
            .containsPattern("(?m)^grouped\\s+0\\s+0\\s+\\d+$");
        final CliRunner.Result dry = cli.run("group", "reset-offsets", "readers", "-t", "grouped", "--to-timestamp",
            "0", "--dry-run");
        assertThat(dry.out()).containsPattern("(?m)^grouped\\s+1\\s+\\d+\\s+0$")
            .endsWith("(dry run: nothing changed)\n");
        assertThat(cli.run("group", "describe", "readers").out()).containsPattern("total-lag\\s+0\\n");
    }

    @Test
    void describeShowsTheMembersOfAnActiveGroup() throws Exception {
        create("live", 1);
        final Thread member = new Thread(() -> cli.run("consume", "live", "-g", "watchers", "--timeout", "5s"));
        member.start();
        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                cli.run("group", "describe", "watchers").out()).containsPattern("members\\s+1\\n")
                .containsPattern("(?m)^live\\s+0\\s+-\\s+-\\s+-\\s+\\S+\\s+ferry-cli\\s+\\S+$"));
        } finally {
            member.join();
        }
    }

    @Test
    void unknownTopicOrPartitionIsOneLineAndExitOne() {
        create("small", 1);
        for (final List<String> args : List.of(List.of("produce", "nope"), List.of("consume", "nope"),
            List.of("produce", "small", "-p", "3"), List.of("consume", "small", "-p", "3"),
            List.of("group", "describe", "no-such-group"),
            List.of("group", "reset-offsets", "g", "-t", "nope", "--to-earliest"))) {
            final CliRunner.Result r = cli.runWithInput("x\n", args.toArray(String[]::new));

            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(1);
            assertThat(r.out()).as(args + "\n" + r).isEmpty();
            assertThat(r.err().lines()).as(args + "\n" + r).singleElement().asString()
                .startsWith("ferry " + CliUnreachableClusterTest.commandOf(args) + ": ");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        for (final List<String> args : List.of(List.of("consume", "t", "--offset", "3"),
            List.of("consume", "t", "--from-beginning", "--offset", "1", "-p", "0"),
            List.of("consume", "t", "-g", "g", "--offset", "1", "-p", "0"), List.of("consume", "t", "-f", "%x"),
            List.of("consume", "t", "--timeout", "soon"), List.of("consume", "t", "--from-timestamp", "yesterday"),
            List.of("produce", "t", "-H", "novalue"), List.of("produce", "t", "--acks", "2"),
            List.of("produce", "t", "-X", "compression.type=gzip2"), List.of("produce"),
            List.of("group", "reset-offsets", "g", "-t", "t"),
            List.of("group", "reset-offsets", "g", "-t", "t", "--to-earliest", "--to-latest"))) {
            final CliRunner.Result r = cli.runWithInput("x\n", args.toArray(String[]::new));

            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(2);
            assertThat(r.out()).as(args + "\n" + r).isEmpty();
            assertThat(r.err()).as(args + "\n" + r).startsWith("ferry ").doesNotContain("\tat ");
        }
    }

    /** The group's last member leaves on close; until the coordinator has processed it, describe shows it. */
    private static CliRunner.Result awaitEmptyGroup(final String group) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("group", "describe", group),
            r -> r.exit() == 0 && r.out().matches("(?s).*members\\s+0\\n.*"));
    }
}
