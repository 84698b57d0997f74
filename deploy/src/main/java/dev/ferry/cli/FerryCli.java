package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * {@code ferry}: one command line for running and operating a Ferry cluster, in the style of Redpanda's rpk.
 * Exit codes: 0 success, 1 the operation failed (one line on stderr saying why), 2 a usage error.
 */
@Command(name = "ferry", mixinStandardHelpOptions = true, versionProvider = FerryCli.Version.class,
    description = "Run and operate a Ferry cluster.",
    subcommands = {
        NodeCommand.class,
        ClusterCommand.class,
        TopicCommand.class,
        ProduceCommand.class,
        ConsumeCommand.class,
        GroupCommand.class,
        PartitionCommand.class,
        dev.ferry.cli.perf.PerfCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class FerryCli {
    /** The operation failed: the cluster refused it, could not be reached, or the input was wrong. */
    public static final int EXIT_FAILED = 1;
    /** The command line itself was wrong (picocli's usage-error code). */
    public static final int EXIT_USAGE = 2;

    private static final Pattern CLASS_PREFIX = Pattern.compile(
        "\\b(?:[a-z_]\\w*\\.)+[A-Z][\\w$]*(?:Exception|Error): ");

    /**
     * @param args the command line
     */
    public static void main(final String[] args) {
        if (args.length == 0 || !"node".equals(args[0])) {
            // Client commands print results on stdout; the client library's INFO lines would bury them.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int code;
        try {
            code = commandLine().execute(args);
        } catch (final Error e) {
            // picocli rethrows Errors. Without the exit below, the non-daemon threads of a half-started node
            // (Ratis, Netty) kept a process up that answered on some ports and not others.
            System.err.println("ferry: " + e);
            e.printStackTrace();
            code = EXIT_FAILED;
        }
        System.exit(code);
    }

    /** @return the configured command line, also used by tests to run commands in-process */
    public static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new FerryCli());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new FailureHandler());
        cl.setParameterExceptionHandler(new UsageHandler());
        return cl;
    }

    /** @return true when FERRY_DEBUG asks for stack traces */
    static boolean debug() {
        final String v = System.getenv("FERRY_DEBUG");
        return v != null && !v.isEmpty() && !"0".equals(v);
    }

    /**
     * Turns an exception from a command into one line on stderr, {@code ferry <command>: <reason>}: users see the
     * cause, not a stack trace (FERRY_DEBUG=1 adds it). A {@link UsageException} exits 2, anything else 1.
     */
    static final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(final Exception e, final CommandLine cl,
                                            final CommandLine.ParseResult parsed) {
            Throwable t = e;
            while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
                t = t.getCause();
            }
            final String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + oneLine(message));
            if (debug()) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().flush();
            return t instanceof UsageException ? EXIT_USAGE : EXIT_FAILED;
        }
    }

    /** A parse error: one line naming the problem and where to find help, rather than the whole usage text. */
    static final class UsageHandler implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(final CommandLine.ParameterException e, final String[] args) {
            final CommandLine cl = e.getCommandLine();
            final String name = cl.getCommandSpec().qualifiedName();
            cl.getErr().println(name + ": " + oneLine(e.getMessage()));
            cl.getErr().println("Try '" + name + " --help' for more information.");
            if (debug()) {
                e.printStackTrace(cl.getErr());
            }
            cl.getErr().flush();
            return EXIT_USAGE;
        }
    }

    /**
     * @param message an exception's message
     * @return it on one line, without the Java class names that wrapping exceptions put in front of their causes'
     *         messages ("java.util.concurrent.CompletionException: ...")
     */
    static String oneLine(final String message) {
        return CLASS_PREFIX.matcher(message.replace("\r", "").replace('\n', ' ')).replaceAll("").strip();
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
