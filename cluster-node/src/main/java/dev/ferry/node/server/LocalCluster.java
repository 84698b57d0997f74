package dev.ferry.node.server;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * N real Ferry nodes in one JVM, each with its own 127.0.0.1 ports and data directory, the first three also
 * controller voters (as a small Redpanda or combined-mode KRaft cluster): for the demo, for the node's own
 * tests and for users' tests (the testing module's JUnit extension). Nodes can be killed (no leadership
 * handover, as a crash looks to the others) and restarted on the same ports and directory. Not thread-safe.
 */
public final class LocalCluster implements Closeable {
    private static final int PORTS_PER_NODE = 3;

    private final Path dir;
    private final int size;
    private final int[][] ports;
    private final Map<String, String> overrides;
    private final FerryNode[] nodes;
    private final List<String> racks;

    /**
     * @param dir the parent of the nodes' data directories
     * @param size the number of nodes (1, 3 or 5)
     * @param overrides settings for every node (short timeouts for tests)
     * @throws IOException when a node cannot start
     */
    public LocalCluster(final Path dir, final int size, final Map<String, String> overrides) throws IOException {
        this(dir, size, overrides, List.of());
    }

    /**
     * @param dir the parent of the nodes' data directories
     * @param size the number of nodes
     * @param overrides settings for every node (short timeouts for tests)
     * @param racks {@code node.rack} of node i at index i (empty: no racks), for rack-aware placement and
     *              clients fetching from the replica in their own rack
     * @throws IOException when a node cannot start
     */
    public LocalCluster(final Path dir, final int size, final Map<String, String> overrides, final List<String> racks)
        throws IOException {
        if (!racks.isEmpty() && racks.size() != size) {
            throw new IllegalArgumentException("racks=" + racks + " must name one rack per node (" + size + ")");
        }
        this.racks = List.copyOf(racks);
        this.dir = dir;
        this.size = size;
        this.overrides = Map.copyOf(overrides);
        this.nodes = new FerryNode[size];
        this.ports = pickPorts(size);
        final List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            final int n = i;
            starts.add(CompletableFuture.runAsync(() -> start(n)));
        }
        try {
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        } catch (final InterruptedException | ExecutionException | TimeoutException e) {
            close();
            throw new IOException("cluster did not start: " + e, e);
        }
    }

    /** @return settings for tests: quick elections and failure detection */
    public static Map<String, String> fastSettings() {
        final Map<String, String> m = new HashMap<>();
        m.put(NodeConfig.RAFT_ELECTION_TIMEOUT_MIN_MS, "300");
        m.put(NodeConfig.RAFT_ELECTION_TIMEOUT_MAX_MS, "600");
        m.put(NodeConfig.NODE_HEARTBEAT_INTERVAL_MS, "200");
        m.put(NodeConfig.NODE_SESSION_TIMEOUT_MS, "2000");
        m.put(NodeConfig.OFFSETS_TOPIC_NUM_PARTITIONS, "3");
        m.put(NodeConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, "3000");
        m.put(NodeConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, "200");
        m.put(NodeConfig.SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_MS, "5000");
        m.put(NodeConfig.METRICS_PORT, "0");
        return m;
    }

    // Every probe socket is held until all ports are picked: closing each at once let the kernel hand the same
    // port out twice, and Ratis ends the JVM when its gRPC server cannot bind.
    private static int[][] pickPorts(final int size) throws IOException {
        final int[][] picked = new int[size][PORTS_PER_NODE];
        final List<ServerSocket> probes = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < PORTS_PER_NODE; j++) {
                    final ServerSocket probe = new ServerSocket(0);
                    probes.add(probe);
                    picked[i][j] = probe.getLocalPort();
                }
            }
        } finally {
            for (final ServerSocket probe : probes) {
                probe.close();
            }
        }
        return picked;
    }

    /** @param i the node's index; its node id is i + 1 */
    public void start(final int i) {
        final Map<String, String> p = new HashMap<>(overrides);
        p.put(NodeConfig.NODE_ID, Integer.toString(i + 1));
        if (!racks.isEmpty()) {
            p.put(NodeConfig.NODE_RACK, racks.get(i));
        }
        p.put(NodeConfig.DATA_DIR, dir.resolve("node-" + (i + 1)).toString());
        p.put(NodeConfig.LISTENER_HOST, "127.0.0.1");
        p.put(NodeConfig.LISTENER_PORT, Integer.toString(ports[i][0]));
        p.put(NodeConfig.RAFT_PORT, Integer.toString(ports[i][1]));
        p.put(NodeConfig.CONTROLLER_PORT, Integer.toString(ports[i][2]));
        p.put(NodeConfig.CONTROLLER_VOTERS, voters());
        p.putIfAbsent(NodeConfig.DEFAULT_REPLICATION_FACTOR, Integer.toString(Math.min(3, size)));
        p.putIfAbsent(NodeConfig.OFFSETS_TOPIC_REPLICATION_FACTOR, Integer.toString(Math.min(3, size)));
        try {
            nodes[i] = FerryNode.start(NodeConfig.from(p));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first three nodes (or all, when fewer) are the controller voters; the others are brokers only. */
    private String voters() {
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(3, size); i++) {
            b.append(i == 0 ? "" : ",").append(i + 1).append("@127.0.0.1:").append(ports[i][2]);
        }
        return b.toString();
    }

    /** Stops a node abruptly: no leadership handover, no goodbye to the controller. */
    public void kill(final int i) {
        final FerryNode n = nodes[i];
        nodes[i] = null;
        if (n != null) {
            n.kill();
        }
    }

    /** Stops a node the way SIGTERM does: leaderships moved away first. */
    public void stop(final int i) {
        final FerryNode n = nodes[i];
        nodes[i] = null;
        if (n != null) {
            n.close();
        }
    }

    /** @return the running node at index i, or null */
    public FerryNode node(final int i) {
        return nodes[i];
    }

    /** @return the number of nodes */
    public int size() {
        return size;
    }

    /** @return the client port of node i (running or not) */
    public int port(final int i) {
        return ports[i][0];
    }

    /** @return host:port of every node, for a client's bootstrap */
    public List<String> bootstrap() {
        final List<String> b = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            b.add("127.0.0.1:" + ports[i][0]);
        }
        return b;
    }

    /** Stops every node at once, each the way SIGTERM does (leaderships moved away first where possible). */
    public void stopAll() {
        final List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            final int n = i;
            stops.add(CompletableFuture.runAsync(() -> stop(n)));
        }
        CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).join();
    }

    /** Kills every node that still runs. */
    @Override
    public void close() {
        for (int i = 0; i < size; i++) {
            kill(i);
        }
    }
}
