package dev.ferry.cli;

import dev.ferry.log.ConfigException;
import dev.ferry.node.server.FerryNode;
import dev.ferry.node.server.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code ferry node start}: runs one broker in the foreground until SIGTERM or SIGINT. */
@Command(name = "node", description = "Run a Ferry node.", mixinStandardHelpOptions = true,
    subcommands = {NodeCommand.Start.class})
final class NodeCommand {

    /** Starts a node and blocks; SIGTERM moves its leaderships away before it stops. */
    @Command(name = "start", mixinStandardHelpOptions = true,
        description = {"Start a node in the foreground; SIGTERM or Ctrl-C stops it gracefully.",
            "Settings come from the file and from FERRY_* environment variables (CONFIGURATION.md)."})
    static final class Start implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "node configuration (properties); optional when FERRY_* variables set every required key")
        private Path config;

        @Override
        public Integer call() throws Exception {
            if (config != null && !Files.isReadable(config)) {
                throw new ParameterException(spec.commandLine(), "cannot read configuration file " + config);
            }
            final NodeConfig nodeConfig;
            try {
                nodeConfig = NodeConfig.load(config, System.getenv());
            } catch (final ConfigException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            final FerryNode node = FerryNode.start(nodeConfig);
            final CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                node.close();
                stopped.countDown();
            }, "ferry-shutdown"));
            stopped.await();
            return 0;
        }
    }
}
