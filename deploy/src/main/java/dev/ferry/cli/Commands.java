package dev.ferry.cli;

import picocli.CommandLine.Model.CommandSpec;

/** What the commands share beyond {@link ClientOptions}: reporting a failure after printing partial results. */
final class Commands {
    private Commands() {
    }

    /**
     * For commands that print a row per item and go on after a failure: the first failure as the command's one
     * error line.
     *
     * @param spec the command
     * @param failure the first failure's message, or null when all succeeded
     * @return the exit code: 0, or {@link FerryCli#EXIT_FAILED} after printing {@code ferry <cmd>: <failure>}
     */
    static int failIf(final CommandSpec spec, final String failure) {
        if (failure == null) {
            return 0;
        }
        spec.commandLine().getErr().println(spec.qualifiedName() + ": " + FerryCli.oneLine(failure));
        spec.commandLine().getErr().flush();
        return FerryCli.EXIT_FAILED;
    }
}
