package dev.ferry.testing;

import dev.ferry.client.admin.AdminConfig;
import dev.ferry.client.admin.ClusterDescription;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.NodeState;
import dev.ferry.node.server.LocalCluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A running embedded cluster as a test sees it: where clients connect ({@link #bootstrapServers()}), the nodes
 * themselves for kill and restart ({@link #cluster()}), and admin clients. Made by {@link FerryClusterExtension};
 * also usable alone ({@link #start}) and then closed by the caller. Not thread-safe for starting and closing; the
 * shared {@link #admin()} is thread-safe.
 */
public final class EmbeddedFerry implements AutoCloseable {
    private static final long CREATE_TIMEOUT_S = 60;
    private static final long START_TIMEOUT_S = 60;
    private static final long POLL_MS = 50;

    private final Path dir;
    private final LocalCluster cluster;
    private final List<FerryAdmin> admins = new ArrayList<>();
    private FerryAdmin admin;

    private EmbeddedFerry(final Path dir, final LocalCluster cluster) {
        this.dir = dir;
        this.cluster = cluster;
    }

    /**
     * Starts a cluster in a new temporary directory (deleted by {@link #close()}).
     *
     * @param nodes the number of nodes (the first three are the controller quorum)
     * @param nodeSettings node settings on top of {@link LocalCluster#fastSettings()}
     * @return the running cluster
     * @throws IOException when the directory cannot be made or a node cannot start
     */
    public static EmbeddedFerry start(final int nodes, final Map<String, String> nodeSettings) throws IOException {
        final Path dir = Files.createTempDirectory("ferry-embedded-");
        final Map<String, String> settings = new HashMap<>(LocalCluster.fastSettings());
        settings.putAll(nodeSettings);
        LocalCluster cluster = null;
        try {
            cluster = new LocalCluster(dir, nodes, settings);
            final EmbeddedFerry ferry = new EmbeddedFerry(dir, cluster);
            ferry.awaitAlive(nodes);
            return ferry;
        } catch (final IOException | RuntimeException e) {
            if (cluster != null) {
                cluster.close();
            }
            delete(dir);
            throw e;
        }
    }

    /**
     * Waits until the controller has every node registered and alive: before that, a topic with as many replicas
     * as nodes is refused (INVALID_REPLICATION_FACTOR).
     */
    private void awaitAlive(final int nodes) throws IOException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_S);
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            try {
                final ClusterDescription c = admin().describeCluster().get(START_TIMEOUT_S, TimeUnit.SECONDS);
                final long alive = c.nodes().stream().filter(n -> n.state() == NodeState.ALIVE).count();
                if (alive == nodes && c.controllerId() > 0) {
                    return;
                }
                last = c.toString();
            } catch (final ExecutionException | TimeoutException e) {
                last = e.toString();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the cluster to start", e);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
        throw new IOException("the cluster's " + nodes + " nodes were not all alive within " + START_TIMEOUT_S
            + " s: " + last);
    }

    /** @return "host:port,host:port,..." of every node, for a client's bootstrap.servers */
    public String bootstrapServers() {
        return String.join(",", cluster.bootstrap());
    }

    /** @return the nodes: kill, stop and start them to test failures */
    public LocalCluster cluster() {
        return cluster;
    }

    /** @return an admin client shared by the tests of this cluster, closed with it */
    public synchronized FerryAdmin admin() {
        if (admin == null) {
            admin = newAdmin(Map.of());
        }
        return admin;
    }

    /**
     * @param settings admin settings on top of this cluster's bootstrap.servers
     * @return a new admin client, closed with the cluster unless the caller closes it first
     */
    public synchronized FerryAdmin newAdmin(final Map<String, ?> settings) {
        final Map<String, Object> all = new HashMap<>(settings);
        all.putIfAbsent(AdminConfig.BOOTSTRAP_SERVERS, bootstrapServers());
        final FerryAdmin a = FerryAdmin.create(all);
        admins.add(a);
        return a;
    }

    /**
     * Creates topics and waits until every node knows them.
     *
     * @param partitions partitions of each
     * @param replicationFactor replicas per partition (0 = cluster default)
     * @param topics the names
     */
    public void createTopics(final int partitions, final int replicationFactor, final String... topics) {
        final List<NewTopic> specs = new ArrayList<>();
        for (final String t : topics) {
            specs.add(NewTopic.of(t, partitions, replicationFactor));
        }
        try {
            admin().createTopics(specs).get(CREATE_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new IllegalStateException("could not create topics " + specs + ": " + e.getMessage(), e);
        }
    }

    /** Closes the admin clients, kills every node and deletes the files. */
    @Override
    public synchronized void close() {
        admins.forEach(FerryAdmin::close);
        admins.clear();
        admin = null;
        try {
            cluster.close();
        } finally {
            delete(dir);
        }
    }

    private static void delete(final Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path d, final IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (final IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }
}
