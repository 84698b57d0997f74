package dev.ferry.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every client command against an address where nothing listens: one line on stderr and exit 1 within
 * --timeout-ms (plus the time to start and stop the clients); plus help, version and a missing subcommand.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CliUnreachableClusterTest {
    private static final int TIMEOUT_MS = 1_500;
    private static final Duration SLACK = Duration.ofSeconds(5);
    static CliRunner cli;

    @BeforeAll
    static void pickADeadPort() throws IOException {
        final int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        cli = new CliRunner("127.0.0.1:" + port, TIMEOUT_MS);
    }

    @Test
    void everyCommandFailsWithOneLineWithinTheTimeout() {
        for (final List<String> args : List.of(List.of("cluster", "info"), List.of("cluster", "health"),
            List.of("topic", "list"), List.of("topic", "create", "x"), List.of("topic", "describe", "x"),
            List.of("topic", "delete", "x"), List.of("topic", "add-partitions", "x", "-n", "1"),
            List.of("topic", "alter-config", "x", "--set", "retention.ms=1"), List.of("produce", "x"),
            List.of("consume", "x"), List.of("consume", "x", "-g", "g"), List.of("group", "list"),
            List.of("group", "describe", "g"), List.of("group", "reset-offsets", "g", "-t", "x", "--to-latest"),
            List.of("partition", "transfer-leader", "x/0", "--to", "1"),
            List.of("partition", "reassign", "x/0", "--replicas", "1"))) {
            final long start = System.nanoTime();

            final CliRunner.Result r = cli.runWithInput("a\n", args.toArray(String[]::new));

            final Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(1);
            assertThat(r.err().lines()).as(args + "\n" + r).singleElement().asString()
                .startsWith("ferry " + commandOf(args) + ": ").doesNotContain("Exception");
            assertThat(took).as(args.toString()).isLessThan(Duration.ofMillis(TIMEOUT_MS).plus(SLACK));
        }
    }

    /** @return the command's words: {@code produce}, or {@code topic list} for a command with subcommands */
    static String commandOf(final List<String> args) {
        return List.of("cluster", "topic", "group", "partition").contains(args.get(0))
            ? args.get(0) + " " + args.get(1) : args.get(0);
    }

    @Test
    void helpAndVersionExitZero() {
        final CliRunner.Result help = CliRunner.raw("", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: ferry", "cluster", "topic", "produce", "consume", "group",
            "partition", "node");

        final CliRunner.Result topicHelp = CliRunner.raw("", "topic", "create", "--help");
        assertThat(topicHelp.exit()).isZero();
        assertThat(topicHelp.out()).contains("Usage: ferry topic create", "--partitions", "--brokers",
            "--timeout-ms");

        final CliRunner.Result version = CliRunner.raw("", "--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("ferry ");
    }

    @Test
    void aMissingOrUnknownSubcommandIsAUsageError() {
        for (final String[] args : List.of(new String[0], new String[] {"topic"}, new String[] {"group", "nope"},
            new String[] {"frobnicate"})) {
            final CliRunner.Result r = CliRunner.raw("", args);

            assertThat(r.exit()).as(List.of(args) + "\n" + r).isEqualTo(2);
            assertThat(r.err()).as(List.of(args) + "\n" + r).startsWith("ferry").contains("--help");
        }
    }
}
