package dev.ferry.node.controller;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * N controller voters in one JVM on 127.0.0.1, each with its own port and data directory; voters can be stopped
 * and restarted on the same port and directory. Not thread-safe.
 */
final class ControllerTestCluster implements AutoCloseable {
    static final long SESSION_TIMEOUT_MS = 1500;

    private final Path dir;
    private final Map<Integer, String> voters = new LinkedHashMap<>();
    private final ControllerServer[] servers;
    private final long snapshotEntries;

    ControllerTestCluster(final Path dir, final int voterCount) throws IOException {
        this(dir, voterCount, 1_000_000);
    }

    ControllerTestCluster(final Path dir, final int voterCount, final long snapshotEntries) throws IOException {
        this.dir = dir;
        this.snapshotEntries = snapshotEntries;
        this.servers = new ControllerServer[voterCount];
        // Hold every probe socket until all ports are picked: the kernel may hand a just-closed port out again,
        // and Ratis exits the JVM when its gRPC server cannot bind.
        final ServerSocket[] probes = new ServerSocket[voterCount];
        try {
            for (int i = 0; i < voterCount; i++) {
                probes[i] = new ServerSocket(0);
                voters.put(i + 1, "127.0.0.1:" + probes[i].getLocalPort());
            }
        } finally {
            for (final ServerSocket p : probes) {
                if (p != null) {
                    p.close();
                }
            }
        }
        for (int i = 0; i < voterCount; i++) {
            start(i + 1);
        }
    }

    ControllerConfig config(final int nodeId) {
        return new ControllerConfig(nodeId, voters, dir.resolve("node-" + nodeId), SESSION_TIMEOUT_MS, 300, 600,
            snapshotEntries, 5, 3, 3, 3, 20_000);
    }

    void start(final int nodeId) throws IOException {
        servers[nodeId - 1] = new ControllerServer(config(nodeId));
    }

    void stop(final int nodeId) throws IOException {
        final ControllerServer s = servers[nodeId - 1];
        servers[nodeId - 1] = null;
        s.close();
    }

    ControllerServer server(final int nodeId) {
        return servers[nodeId - 1];
    }

    Map<Integer, String> voters() {
        return voters;
    }

    ControllerClient newClient() {
        return new ControllerClient(voters, 20_000);
    }

    /** @return the id of the active controller, waiting up to 30 s */
    int awaitActive() {
        final int[] active = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < servers.length; i++) {
                if (servers[i] != null && servers[i].isActive()) {
                    active[0] = i + 1;
                    return true;
                }
            }
            return false;
        });
        return active[0];
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] != null) {
                stop(i + 1);
            }
        }
    }
}
