package dev.ferry.cli;

import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Runs {@code ferry} commands in-process, as the shell would, with stdout and stderr captured and stdin fed from a
 * string; appends {@code -b BROKERS --timeout-ms} so each test names only what it is about.
 */
final class CliRunner {
    /** A finished command: its exit code, stdout and stderr. */
    record Result(int exit, String out, String err) {
        /** @return stdout's lines */
        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit=" + exit + "\n--- out ---\n" + out + "--- err ---\n" + err;
        }
    }

    private final String brokers;
    private final int timeoutMs;

    /**
     * @param brokers the -b value
     * @param timeoutMs the --timeout-ms value
     */
    CliRunner(final String brokers, final int timeoutMs) {
        this.brokers = brokers;
        this.timeoutMs = timeoutMs;
    }

    /** @param args the command line after {@code ferry}; cluster options are appended */
    Result run(final String... args) {
        return runWithInput(null, args);
    }

    /**
     * @param stdin what the command reads from System.in, or null to leave System.in alone
     * @param args the command line after {@code ferry}; cluster options are appended (--timeout-ms unless given)
     */
    Result runWithInput(final String stdin, final String... args) {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-b", brokers));
        if (!all.contains("--timeout-ms")) {
            all.addAll(List.of("--timeout-ms", Integer.toString(timeoutMs)));
        }
        return raw(stdin, all.toArray(String[]::new));
    }

    /**
     * @param stdin what the command reads from System.in, or null to leave System.in alone (commands that do not
     *              read it may then run concurrently)
     * @param args the whole command line after {@code ferry}, nothing appended
     */
    static Result raw(final String stdin, final String... args) {
        if (stdin == null) {
            return execute(args);
        }
        synchronized (CliRunner.class) {
            final InputStream before = System.in;
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            try {
                return execute(args);
            } finally {
                System.setIn(before);
            }
        }
    }

    private static Result execute(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = FerryCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        final int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** Waits until {@code ferry cluster health} passes: every node registered, every partition led. */
    void awaitHealthy() {
        await().atMost(Duration.ofSeconds(60))
            .until(() -> run("cluster", "health").exit() == 0);
    }
}
