package dev.ferry.node.server;

import dev.ferry.log.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java dev.ferry.node.server.FerryNodeMain [--config FILE]}: runs one node until SIGTERM or SIGINT,
 * then stops it gracefully (leaderships moved away first). Settings come from the file and from FERRY_*
 * environment variables (CONFIGURATION.md). A bad setting exits with status 2 and one line naming the key.
 */
public final class FerryNodeMain {
    private FerryNodeMain() {
    }

    /**
     * @param args {@code --config FILE}, optional when the environment holds every required setting
     * @throws Exception when the node fails to start
     */
    public static void main(final String[] args) throws Exception {
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            if (("--config".equals(args[i]) || "-c".equals(args[i])) && i + 1 < args.length) {
                file = Path.of(args[++i]);
            } else {
                System.err.println("usage: ferry node start [--config FILE]");
                System.exit(2);
            }
        }
        if (file != null && !Files.isReadable(file)) {
            System.err.println("ferry: cannot read configuration file " + file);
            System.exit(2);
        }
        final NodeConfig config;
        try {
            config = NodeConfig.load(file, System.getenv());
        } catch (final ConfigException e) {
            System.err.println("ferry: " + e.getMessage());
            System.exit(2);
            return;
        }
        final FerryNode node = FerryNode.start(config);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "ferry-shutdown"));
        stopped.await();
    }
}
