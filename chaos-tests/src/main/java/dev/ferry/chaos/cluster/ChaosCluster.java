package dev.ferry.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.Network.Ipam;
import dev.ferry.testing.FerryImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A Ferry cluster of 3 or 5 containers from the project's image on a Docker network of its own, each node at a
 * fixed address the test's JVM reaches directly (no port mapping: clients connect to what nodes advertise).
 * Every node is a metadata voter, and has a rack of its own ({@code rack-<id>}) so a reader can pick a replica.
 *
 * <p>Nodes run with production Raft timeouts, so the unavailability measured after a fault is what users see.
 * Ryuk is off on registry-less machines, so {@link #close()} removes the containers and the network itself.
 *
 * <p>Not thread-safe: one test thread builds and closes it; nemeses act on its nodes one at a time.
 */
public final class ChaosCluster implements AutoCloseable {
    private static final String ELECTION_LOGS =
        "-Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.impl.LeaderElection=info"
        + " -Dorg.slf4j.simpleLogger.log.org.apache.ratis.server.impl.FollowerState=info";
    /** Client protocol port of every node. */
    public static final int CLIENT_PORT = 9092;
    /** Metrics and health port of every node. */
    public static final int METRICS_PORT = 9644;

    private static final Logger LOG = LoggerFactory.getLogger(ChaosCluster.class);
    private static final String IMAGE = "ferry-chaos/node:latest";
    /** The image's data directory (its VOLUME). */
    private static final String DATA_DIR = "/var/lib/ferry";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final Network network;
    private final List<ChaosNode> nodes;

    private ChaosCluster(final Network network, final List<ChaosNode> nodes) {
        this.network = network;
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Builds the image (once per machine, cached by Docker), creates the network and starts every node, waiting
     * until each one is ready.
     *
     * @param size 3 or 5 nodes
     * @param heapMb each node's maximum heap
     * @param extraEnv node settings for every node, as FERRY_ environment variables
     * @return the running cluster
     */
    public static ChaosCluster start(final int size, final int heapMb, final Map<String, String> extraEnv) {
        return start(size, heapMb, extraEnv, 0, 0);
    }

    /**
     * As {@link #start(int, int, Map)}, with one node's data directory on a {@link SmallDisk} of its own, for the
     * full-disk fault.
     *
     * @param size 3 or 5 nodes
     * @param heapMb each node's maximum heap
     * @param extraEnv node settings for every node, as FERRY_ environment variables
     * @param smallDiskNode the id of the node with a small disk; 0 for none
     * @param smallDiskBytes the size of that disk
     * @return the running cluster
     */
    public static ChaosCluster start(final int size, final int heapMb, final Map<String, String> extraEnv,
                                     final int smallDiskNode, final long smallDiskBytes) {
        if (size != 3 && size != 5) {
            throw new IllegalArgumentException("a chaos cluster has 3 or 5 nodes, not " + size);
        }
        FerryImage.requireDocker();
        final ImageFromDockerfile image = FerryImage.fromDistribution(IMAGE);
        final String prefix = freeSubnetPrefix();
        final Network network = Network.builder()
            .createNetworkCmdModifier(cmd -> cmd.withName("ferry-chaos-" + prefix.replace('.', '-') + "0")
                .withIpam(new Ipam().withConfig(new Ipam.Config().withSubnet(prefix + "0/24"))))
            .build();
        final StringJoiner voters = new StringJoiner(",");
        for (int id = 1; id <= size; id++) {
            voters.add(id + "@" + prefix + (10 + id) + ":9094");
        }
        final List<ChaosNode> nodes = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            final String ip = prefix + (10 + id);
            final ChaosNode[] self = new ChaosNode[1];
            final SmallDisk disk = id == smallDiskNode && canMount()
                ? SmallDisk.mount(Path.of(System.getProperty("java.io.tmpdir"), "ferry-chaos-disk-"
                    + prefix.replace('.', '-') + id), smallDiskBytes)
                : null;
            final GenericContainer<?> c = new GenericContainer<>(image)
                .withNetwork(network)
                .withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(ip))
                .withEnv("FERRY_NODE_ID", Integer.toString(id))
                .withEnv("FERRY_NODE_RACK", "rack-" + id)
                .withEnv("FERRY_ADVERTISED_HOST", ip)
                .withEnv("FERRY_CONTROLLER_VOTERS", voters.toString())
                .withEnv("FERRY_HEAP_OPTS", "-Xms" + Math.min(128, heapMb) + "m -Xmx" + heapMb + "m")
                // Election rounds in the node logs of the report: what an unavailability figure is made of.
                .withEnv("FERRY_JVM_OPTS", ELECTION_LOGS)
                .withEnv(extraEnv)
                // Testcontainers' default wait checks mapped ports, which these nodes do not publish. Live, not
                // ready: a node is ready only once a quorum runs, and the others start after it.
                .waitingFor(new NodeLiveWait(() -> self[0]));
            if (disk != null) {
                c.withFileSystemBind(disk.path().toString(), DATA_DIR, BindMode.READ_WRITE);
            }
            self[0] = new ChaosNode(id, ip, network.getId(), c, disk);
            nodes.add(self[0]);
        }
        final ChaosCluster cluster = new ChaosCluster(network, nodes);
        try {
            for (final ChaosNode n : nodes) {
                n.container().start();
            }
            cluster.awaitAllReady(READY_TIMEOUT);
            LOG.info("chaos cluster up: {}", cluster.nodes);
            return cluster;
        } catch (final RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** @return every node, by id order */
    public List<ChaosNode> nodes() {
        return nodes;
    }

    /**
     * @param id a node id (1-based)
     * @return the node
     */
    public ChaosNode node(final int id) {
        return nodes.get(id - 1);
    }

    /** @return {@code bootstrap.servers} naming every node */
    public String bootstrapServers() {
        return nodes.stream().map(ChaosNode::clientAddress).collect(Collectors.joining(","));
    }

    /** @return node id to client address, for readers that must read one given replica */
    public Map<Integer, String> clientAddresses() {
        final Map<Integer, String> m = new TreeMap<>();
        nodes.forEach(n -> m.put(n.id(), n.clientAddress()));
        return m;
    }

    /**
     * Waits until every node answers ready.
     *
     * @param timeout how long at most
     */
    public void awaitAllReady(final Duration timeout) {
        try {
            await("every node ready").atMost(timeout).pollInterval(Duration.ofMillis(500))
                .until(() -> nodes.stream().allMatch(ChaosNode::isReady));
        } catch (final RuntimeException e) {
            throw new IllegalStateException("not every node ready within " + timeout.toSeconds() + " s: "
                + nodes.stream().map(n -> n.name() + ": " + n.readiness()).collect(Collectors.joining("; ")), e);
        }
    }

    /** @return a random node */
    public ChaosNode randomNode(final Random random) {
        return nodes.get(random.nextInt(nodes.size()));
    }

    /**
     * Undoes whatever a nemesis may have left: starts killed nodes, thaws paused ones, reconnects disconnected
     * ones and removes firewall rules, then waits for every node to be ready.
     *
     * @param timeout how long to wait for readiness
     */
    public void healAll(final Duration timeout) {
        for (final ChaosNode n : nodes) {
            if (!n.isRunning()) {
                n.start();
            } else if (n.isPaused()) {
                n.unpause();
            }
            if (!n.isConnected()) {
                n.connect();
            }
            NodeFirewall.heal(n);
        }
        awaitAllReady(timeout);
    }

    /**
     * Writes each node's whole output (every start of the container) to {@code dir/node-<id>.log}.
     *
     * @param dir the report directory
     */
    /**
     * Asks every running node's JVM for a thread dump (SIGQUIT), which it prints to its log: for a failed run,
     * what each thread was doing at its end. A paused node answers when it is resumed, a killed one not at all.
     */
    public void dumpThreads() {
        for (final ChaosNode n : nodes) {
            if (n.containerId() == null) {
                continue;
            }
            try {
                docker().killContainerCmd(n.containerId()).withSignal("QUIT").exec();
                // The JVM prints it on its own thread: wait until it is in the log that is collected next.
                await("thread dump of node-" + n.id()).atMost(Duration.ofSeconds(10)).pollInterval(
                    Duration.ofMillis(200)).until(() -> n.container().getLogs().contains("Full thread dump"));
            } catch (final RuntimeException e) {
                LOG.warn("node={} no thread dump: {}", n.id(), e.toString());
            }
        }
    }

    public void writeLogs(final Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        for (final ChaosNode n : nodes) {
            if (n.containerId() == null) {
                continue;
            }
            final Path file = dir.resolve(n.name() + ".log");
            try (OutputStream out = Files.newOutputStream(file)) {
                docker().logContainerCmd(n.containerId()).withStdOut(true).withStdErr(true)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(final Frame frame) {
                            try {
                                out.write(frame.getPayload());
                            } catch (final IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }
                    }).awaitCompletion(60, TimeUnit.SECONDS);
            } catch (final IOException | RuntimeException e) {
                LOG.warn("node={} logs not written to {}: {}", n.id(), file, e.toString());
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Removes every container and the network; safe to call more than once. */
    @Override
    public void close() {
        for (final ChaosNode n : nodes) {
            try {
                if (n.containerId() != null && n.isPaused()) {
                    n.unpause();
                }
                n.container().stop();
            } catch (final RuntimeException e) {
                LOG.warn("node={} not removed: {}", n.id(), e.toString());
            }
        }
        nodes.forEach(n -> n.disk().ifPresent(SmallDisk::close));
        try {
            network.close();
        } catch (final RuntimeException e) {
            LOG.warn("network {} not removed: {}", network.getId(), e.toString());
        }
    }

    /** Mounting a tmpfs needs root; without it the full-disk fault is left out (it says so when it is). */
    private static boolean canMount() {
        final String user = System.getProperty("user.name");
        if ("root".equals(user)) {
            return true;
        }
        LOG.warn("not root (user.name={}): no small disk can be mounted, the full-disk fault is left out", user);
        return false;
    }

    /** A /24 no Docker network of this machine uses yet, in 172.28.0.0/14 (outside Docker's default pools). */
    private static String freeSubnetPrefix() {
        final List<String> used = docker().listNetworksCmd().exec().stream()
            .flatMap(n -> n.getIpam() == null || n.getIpam().getConfig() == null ? java.util.stream.Stream.empty()
                : n.getIpam().getConfig().stream())
            .map(c -> c.getSubnet() == null ? "" : c.getSubnet())
            .toList();
        final Random random = new Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            final String prefix = "172." + (28 + random.nextInt(4)) + "." + random.nextInt(256) + ".";
            if (used.stream().noneMatch(s -> s.startsWith(prefix))) {
                return prefix;
            }
        }
        throw new IllegalStateException("no free /24 in 172.28.0.0/14 for a chaos network; used: " + used);
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }
}
