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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cluster, topic and partition commands against a real 3-node cluster: their tables, JSON, exit codes and
 * one-line errors.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliTopicCommandsTest {
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

    @Test
    void clusterInfoListsEveryNodeAndTheController() {
        final CliRunner.Result r = cli.run("cluster", "info");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("CLUSTER", "NODES").containsPattern("controller\\s+[123]\\n")
            .containsPattern("topics\\s+\\d+\\n").containsPattern("racks\\s+none\\n");
        for (int i = 0; i < 3; i++) {
            assertThat(r.out()).containsPattern("(?m)^" + (i + 1) + "\\*?\\s+127\\.0\\.0\\.1\\s+" + cluster.port(i)
                + "\\s+-\\s+ALIVE\\s+\\d+\\s+\\d+\\s+true$");
        }
        assertThat(r.err()).isEmpty();
    }

    @Test
    void clusterInfoAsJson() {
        final CliRunner.Result r = cli.run("cluster", "info", "--format", "json");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).hasSize(1);
        assertThat(r.out()).startsWith("{\"cluster_id\":").containsPattern("\"controller\":[123],")
            .contains("\"racks\":[]", "{\"id\":1,\"host\":\"127.0.0.1\",\"port\":" + cluster.port(0)
                + ",\"rack\":null,\"state\":\"ALIVE\"");
    }

    @Test
    void clusterHealthIsHealthyWithEveryNodeUp() {
        final CliRunner.Result r = cli.run("cluster", "health");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("healthy\\s+true\\n").containsPattern("nodes\\s+\\[1, 2, 3\\]\\n")
            .containsPattern("nodes down\\s+\\[\\]\\n").containsPattern("under-replicated partitions\\s+\\[\\]\\n");
    }

    @Test
    void topicLifecycle() {
        CliRunner.Result r = cli.run("topic", "create", "orders", "-p", "3", "-r", "3", "-c", "retention.ms=3600000");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).containsExactly("TOPIC   STATUS", "orders  OK");

        r = cli.run("topic", "list");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).contains("orders  3           3");
        assertThat(r.out()).doesNotContain("__consumer_offsets");
        assertThat(cli.run("topic", "list", "--internal").lines()).contains("orders  3           3");

        r = cli.run("topic", "list", "--format", "json");
        assertThat(r.out()).contains("{\"name\":\"orders\",\"partitions\":3,\"replicas\":3,\"internal\":false}");

        // A new partition elects its leader just after the topic is created.
        r = await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("topic", "describe", "orders"),
            d -> !d.out().contains(" none "));
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("SUMMARY", "CONFIGS", "PARTITIONS")
            .containsPattern("retention\\.ms\\s+3600000\\s+topic\\n")
            .containsPattern("PARTITION\\s+LEADER\\s+REPLICAS\\s+IN-SYNC\\s+LOG-START-OFFSET\\s+HIGH-WATERMARK");
        for (int p = 0; p < 3; p++) {
            assertThat(r.out()).containsPattern("(?m)^" + p + "\\s+[123]\\s+\\[\\d, \\d, \\d\\]\\s+\\[\\d, \\d, \\d\\]"
                + "\\s+0\\s+0$");
        }

        r = cli.run("topic", "add-partitions", "orders", "--num", "2");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).containsExactly("TOPIC   PARTITIONS-BEFORE  PARTITIONS-NOW",
            "orders  3                  5");
        assertThat(cli.run("topic", "describe", "orders", "--format", "json").out())
            .contains("{\"partition\":4,").doesNotContain("{\"partition\":5,");

        r = cli.run("topic", "alter-config", "orders", "--set", "retention.ms=1000", "--set", "segment.ms=60000");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).containsExactly("TOPIC   KEY           CHANGE", "orders  retention.ms  set to 1000",
            "orders  segment.ms    set to 60000");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
            cli.run("topic", "describe", "orders", "--format", "json").out())
            .contains("\"retention.ms\":\"1000\"", "\"segment.ms\":\"60000\""));

        r = cli.run("topic", "alter-config", "orders", "--delete", "retention.ms");
        assertThat(r.exit()).as(r.toString()).isZero();
        // Every node answers describe from its own copy of the metadata, which follows the controller's closely.
        assertThat(await().atMost(Duration.ofSeconds(10)).until(() -> cli.run("topic", "describe", "orders").out(),
            out -> !out.contains("retention.ms          1000")))
            .doesNotContainPattern("retention\\.ms\\s+\\S+\\s+topic")
            .containsPattern("retention\\.ms\\s+\\S+\\s+default\\n").containsPattern("segment\\.ms\\s+60000\\s+topic");

        r = cli.run("topic", "delete", "orders");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).containsExactly("TOPIC   STATUS", "orders  OK");
        assertThat(cli.run("topic", "list").out()).doesNotContain("orders");
    }

    @Test
    void creatingATakenNameFailsWithOneLineButCreatesTheOthers() {
        assertThat(cli.run("topic", "create", "taken", "-p", "1").exit()).isZero();

        final CliRunner.Result r = cli.run("topic", "create", "taken", "fresh", "-p", "1");

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.lines()).hasSize(3).contains("fresh  OK");
        assertThat(r.out()).containsPattern("taken\\s+TOPIC_ALREADY_EXISTS");
        assertThat(r.err().lines()).singleElement().asString().startsWith("ferry topic create: TOPIC_ALREADY_EXISTS");
    }

    @Test
    void unknownTopicIsOneLineAndExitOne() {
        for (final List<String> args : List.of(List.of("topic", "describe", "nope"), List.of("topic", "delete", "nope"),
            List.of("topic", "add-partitions", "nope", "-n", "1"),
            List.of("topic", "alter-config", "nope", "--set", "retention.ms=1"),
            List.of("partition", "transfer-leader", "nope/0", "--to", "1"))) {
            final CliRunner.Result r = cli.run(args.toArray(String[]::new));

            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(1);
            assertThat(r.err().lines()).as(args + "\n" + r).singleElement().asString()
                .startsWith("ferry " + args.get(0) + " " + args.get(1) + ": ").contains("UNKNOWN_TOPIC");
        }
    }

    @Test
    void badOptionsAreUsageErrors() {
        for (final List<String> args : List.of(List.of("topic", "create"), List.of("topic", "create", "x", "-p", "a"),
            List.of("topic", "add-partitions", "x"), List.of("topic", "alter-config", "x"),
            List.of("partition", "reassign", "x0", "--replicas", "1"),
            List.of("partition", "reassign", "x/0", "--replicas", "1,1"), List.of("topic", "frobnicate"),
            List.of("topic", "list", "-X", "no.such.key=1"), List.of("topic", "list", "--format", "yaml"))) {
            final CliRunner.Result r = cli.run(args.toArray(String[]::new));

            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(2);
            assertThat(r.out()).as(args + "\n" + r).isEmpty();
            assertThat(r.err()).as(args + "\n" + r).startsWith("ferry ").doesNotContain("\tat ");
        }
    }

    @Test
    void transferLeaderMovesLeadershipToTheNamedReplica() {
        assertThat(cli.run("topic", "create", "moves", "-p", "1", "-r", "3").exit()).isZero();
        final int leader = leaderOf("moves", 0);
        final int target = leader % 3 + 1;

        final CliRunner.Result r = cli.run("partition", "transfer-leader", "moves/0", "--to", Integer.toString(target));

        assertThat(r.exit()).as(r.toString()).isZero();
        // LEADER-BEFORE is read again by the command: a new partition's leadership may still settle meanwhile.
        assertThat(r.lines()).hasSize(2).first().isEqualTo("PARTITION  LEADER-BEFORE  LEADER-NOW");
        assertThat(r.lines().get(1)).matches("moves/0 {4}[123] {14}" + target);
    }

    @Test
    void transferLeaderToANodeThatIsNotAReplicaFails() {
        assertThat(cli.run("topic", "create", "single", "-p", "1", "-r", "1").exit()).isZero();
        final int other = leaderOf("single", 0) % 3 + 1;

        final CliRunner.Result r = cli.run("partition", "transfer-leader", "single/0", "--to", Integer.toString(other));

        assertThat(r.exit()).as(r.toString()).isEqualTo(1);
        assertThat(r.err().lines()).singleElement().asString().startsWith("ferry partition transfer-leader: ");
        assertThat(cli.run("partition", "transfer-leader", "single/7", "--to", "1").err())
            .startsWith("ferry partition transfer-leader: topic single has no partition 7 (it has 1)");
    }

    @Test
    void reassignMovesTheReplicas() {
        assertThat(cli.run("topic", "create", "placed", "-p", "1", "-r", "1").exit()).isZero();
        final int from = leaderOf("placed", 0);
        final int to = from % 3 + 1;

        final CliRunner.Result r = cli.run("partition", "reassign", "placed/0", "--replicas", Integer.toString(to),
            "--wait");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.lines()).containsExactly("PARTITION  REPLICAS-BEFORE  REPLICAS-NOW  STATUS",
            "placed/0   [" + from + "]              [" + to + "]           done");
        assertThat(cli.run("topic", "describe", "placed", "--format", "json").out())
            .contains("\"replicas\":[" + to + "]");
    }

    /** The partition's leader once it has one (a new partition elects its leader after it is created). */
    private static int leaderOf(final String topic, final int partition) {
        final Pattern leader = Pattern.compile("\\{\"partition\":" + partition + ",\"leader\":([1-9]\\d*),");
        return await().atMost(Duration.ofSeconds(30)).until(() -> {
            final Matcher m = leader.matcher(cli.run("topic", "describe", topic, "--format", "json").out());
            return m.find() ? Integer.parseInt(m.group(1)) : -1;
        }, id -> id > 0);
    }
}
