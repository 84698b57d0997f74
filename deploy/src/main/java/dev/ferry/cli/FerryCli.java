package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ferry}: one command line for running and operating a Ferry cluster, in the style of Redpanda's rpk.
 * Exit codes: 0 success, 1 the operation failed (one line on stderr saying why), 2 a usage error.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = FerryCli.Version.class,
    description = "Run and operate a Ferry cluster.",
    subcommands = {
        NodeCommand.class,
        dev.ferry.cli.perf.PerfCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class FerryCli {
    /** The operation failed: the cluster refused it, could not be reached, or the input was wrong. */
    public static final int EXIT_FAILED = 1;
    /** The command line itself was wrong (picocli's usage-error code). */
    public static final int EXIT_USAGE = 2;

    /**
     * @param args the command line
     */
    public static void main(final String[] args) {
        if (args.length == 0 || !"node".equals(args[0])) {
            // Client commands print results on stdout; the client library's INFO lines would bury them.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        System.exit(commandLine().execute(args));
    }

    /** @return the configured command line, also used by tests to run commands in-process */
    public static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new FerryCli());
        cl.setExecutionExceptionHandler(new FailureHandler());
        return cl;
    }

    /** Turns an exception from a command into one line on stderr: users see the cause, not a stack trace. */
    static final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(final Exception e, final CommandLine cl,
                                            final CommandLine.ParseResult parsed) {
            final String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            cl.getErr().println("ferry " + cl.getCommandName() + ": " + message);
            if (System.getenv("FERRY_DEBUG") != null) {
                e.printStackTrace(cl.getErr());
            }
            return EXIT_FAILED;
        }
    }

    /** The version of the distribution, from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String v = FerryCli.class.getPackage().getImplementationVersion();
            return new String[] {"ferry " + (v == null ? "development build" : v)
                + " (Java " + Runtime.version() + ")"};
        }
    }
}
