package dev.ferry.deploy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distribution as a user gets it: the tarball unpacks, deploy/local-cluster.sh starts three `bin/ferry node
 * start` processes from it on free ports, `bin/ferry perf produce` and `perf consume` processes move records
 * through them, and kill, status, pause, resume, restart and down act on the real processes. Run by Failsafe
 * after the package phase built the tarball; every node process is stopped afterwards, also when a step fails.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 170, unit = TimeUnit.SECONDS)
class DistributionIT {
    private static final int NODES = 3;
    private static final int RECORDS = 20_000;

    @TempDir
    static Path dir;
    private static Path home;
    private static Path work;
    private static int basePort;

    @BeforeAll
    static void unpack() throws Exception {
        final Path tarball = Path.of(System.getProperty("ferry.distribution", "target/ferry-dist-missing.tar.gz"));
        assertThat(tarball).as("the package phase builds the tarball").isRegularFile();
        final Run tar = run(List.of("tar", "-xzf", tarball.toString(), "-C", dir.toString()), 60);
        assertThat(tar.exit()).as(tar.output()).isZero();
        try (Stream<Path> unpacked = Files.list(dir)) {
            home = unpacked.filter(p -> p.getFileName().toString().startsWith("ferry-")).findFirst().orElseThrow();
        }
        assertThat(home.resolve("bin/ferry")).isExecutable();
        assertThat(home.resolve("lib")).isDirectory();
        assertThat(home.resolve("config/cluster/node-1.properties")).isRegularFile();
        work = dir.resolve("work");
        basePort = freeBasePort();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (work == null) {
            return;
        }
        script(20, "down");
        // Whatever the script could not stop (it failed, or a step timed out) is killed by its pid file.
        for (int i = 1; i <= NODES; i++) {
            final Path pidFile = work.resolve("node-" + i).resolve("node.pid");
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                    .ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    @Order(1)
    void shouldStartAThreeNodeClusterAndMoveRecordsThroughIt() throws Exception {
        final Run up = script(150, "up");
        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(up.output()).contains("all 3 nodes ready; brokers: " + brokers());

        final Path log = dir.resolve("acked.log");
        final Run produce = ferry(60, "perf", "produce", "--topic", "dist", "--create-topic", "--partitions", "3",
            "--replication-factor", "3", "--num-records", Integer.toString(RECORDS), "--record-size", "100",
            "--acks", "all", "--json", "--record-log", log.toString());
        assertThat(produce.exit()).as(produce.output()).isZero();
        assertThat(produce.output()).contains("{\"tool\":\"produce\",\"topic\":\"dist\",\"records\":" + RECORDS
            + ",\"failed\":0,");
        assertThat(Files.readAllLines(log)).hasSize(RECORDS);

        final Run consume = ferry(60, "perf", "consume", "--topic", "dist", "--messages", Integer.toString(RECORDS),
            "--from-beginning", "--rack", "rack-3", "--json");
        assertThat(consume.exit()).as(consume.output()).isZero();
        assertThat(consume.output()).contains("{\"tool\":\"consume\",\"topic\":\"dist\",\"records\":" + RECORDS
            + ",");
    }

    @Test
    @Order(2)
    void shouldKillANodeAndShowItStoppedWhileTheOthersRun() throws Exception {
        final Run kill = script(30, "kill", "1");
        assertThat(kill.exit()).as(kill.output()).isZero();
        assertThat(kill.output()).contains("node 1: killed (kill -9 ");

        final Run status = script(30, "status");
        assertThat(status.exit()).as(status.output()).isZero();
        assertThat(statusLine(status, 1)).contains(" stopped ", Integer.toString(basePort + 2));
        assertThat(statusLine(status, 2)).contains(" running ", Integer.toString(basePort + 12));
        assertThat(statusLine(status, 3)).contains(" running ", Integer.toString(basePort + 22));

        final Run again = script(30, "kill", "1");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("node 1 is not running");
    }

    @Test
    @Order(3)
    void shouldPauseResumeAndRestartNodes() throws Exception {
        assertThat(script(30, "pause", "2").exit()).isZero();
        assertThat(statusLine(script(30, "status"), 2)).contains(" paused ");
        assertThat(script(30, "resume", "2").exit()).isZero();
        assertThat(statusLine(script(30, "status"), 2)).contains(" running ");

        final Run restart = script(150, "restart", "1");
        assertThat(restart.exit()).as(restart.output()).isZero();
        assertThat(restart.output()).contains("node 1: already stopped", "node 1: started", "node 1: ready");
        assertThat(statusLine(script(30, "status"), 1)).contains(" running ");
    }

    @Test
    @Order(4)
    void shouldStopEveryNodeOnDownAndBeSafeToRepeat() throws Exception {
        final Run down = script(60, "down");
        assertThat(down.exit()).as(down.output()).isZero();
        assertThat(down.output()).contains("node 1: stopped", "node 2: stopped", "node 3: stopped");
        final Run status = script(30, "status");
        for (int i = 1; i <= NODES; i++) {
            assertThat(statusLine(status, i)).contains(" stopped ");
        }
        final Run twice = script(30, "down");
        assertThat(twice.exit()).isZero();
    }

    private static String statusLine(final Run status, final int node) {
        return status.output().lines().filter(l -> l.startsWith(node + " ")).findFirst()
            .orElseThrow(() -> new AssertionError("no line for node " + node + " in:\n" + status.output())) + " ";
    }

    private static String brokers() {
        final List<String> b = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            b.add("127.0.0.1:" + (basePort + 10 * i + 2));
        }
        return String.join(",", b);
    }

    /**
     * A base port whose 10-port blocks for every node are free now (the script uses base + 10(i-1) + 2..5), below
     * Linux's ephemeral range (32768 on) so that no outgoing connection takes one of them meanwhile.
     */
    private static int freeBasePort() throws IOException {
        for (int attempt = 0; attempt < 200; attempt++) {
            final int base = 10_000 + 10 * ThreadLocalRandom.current().nextInt(2000);
            if (allFree(base)) {
                return base;
            }
        }
        throw new IOException("no block of " + (10 * NODES) + " free ports found");
    }

    private static boolean allFree(final int base) {
        final List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                for (int j = 2; j <= 5; j++) {
                    held.add(new ServerSocket(base + 10 * i + j, 1, InetAddress.getLoopbackAddress()));
                }
            }
            return true;
        } catch (final IOException e) {
            return false;
        } finally {
            for (final ServerSocket s : held) {
                try {
                    s.close();
                } catch (final IOException ignored) {
                    // released either way
                }
            }
        }
    }

    private static Run script(final int timeoutSeconds, final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(System.getProperty("ferry.localCluster", "local-cluster.sh"));
        command.addAll(List.of(args));
        return run(command, timeoutSeconds);
    }

    private static Run ferry(final int timeoutSeconds, final String... args) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(home.resolve("bin/ferry").toString());
        command.addAll(List.of(args));
        return run(command, timeoutSeconds);
    }

    /** What a process printed (stdout and stderr) and its exit code. */
    private record Run(int exit, String output) {
    }

    private static Run run(final List<String> command, final int timeoutSeconds) throws Exception {
        final Path out = Files.createTempFile(dir, "out", ".txt");
        final ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(out.toFile());
        final Map<String, String> env = pb.environment();
        if (home != null) {
            env.put("FERRY_HOME", home.toString());
            env.put("FERRY_LOCAL_DIR", work.toString());
            env.put("FERRY_BASE_PORT", Integer.toString(basePort));
            env.put("FERRY_BROKERS", brokers());
        }
        // Three nodes and a client share the test machine.
        env.put("FERRY_HEAP_OPTS", "-Xms64m -Xmx384m");
        env.put("FERRY_UP_TIMEOUT", "120");
        env.put("FERRY_STOP_TIMEOUT", "15");
        final Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s; output:\n"
                + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
