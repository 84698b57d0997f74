package dev.ferry.testing;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Future;

/**
 * A single Ferry node in a Docker container, for users' own tests (Testcontainers), built from the project's
 * image (deploy/Dockerfile). It is its own metadata voter and creates topics with one replica.
 *
 * <pre>{@code
 * try (FerryContainer ferry = new FerryContainer("ferry:0.1.0")) {
 *     ferry.start();
 *     FerryProducer producer = new FerryProducer(Map.of("bootstrap.servers", ferry.getBootstrapServers()));
 * }
 * }</pre>
 *
 * <p>Why the client port is fixed: a Ferry client bootstraps, reads the metadata, and then connects to the
 * address each node advertises ({@code advertised.host:listener.port}), not to the address it bootstrapped
 * from. With Docker's usual random port mapping the advertised port would be the container's, unreachable from
 * the test. So the container listens on a port picked free on the host and publishes it under the same number,
 * and the node advertises the Docker host's name ({@code localhost} for a local engine): the address in the
 * metadata then works from the test JVM. The metrics port ({@code /health/ready}, waited on at start) is mapped
 * as usual. The port is free when picked; another process could take it before the container binds it, in
 * which case start fails with Docker's "port is already allocated".
 *
 * <p>The node binds its Raft port on the advertised host, so that name must also resolve inside the container:
 * {@code localhost} does; another host name is mapped to 127.0.0.1 in the container's /etc/hosts. A Docker host
 * known only by IP address cannot be advertised and fails at start with a message saying so.
 */
public final class FerryContainer extends GenericContainer<FerryContainer> {

    /** Container port of the HTTP endpoints: /metrics, /health/live and /health/ready. */
    public static final int METRICS_PORT = 9644;

    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

    private final int clientPort;
    private String advertisedHost;

    /**
     * @param image an image built from deploy/Dockerfile, e.g. {@code "ferry:0.1.0"}
     */
    public FerryContainer(final String image) {
        this(DockerImageName.parse(image));
    }

    /**
     * @param image an image built from deploy/Dockerfile
     */
    public FerryContainer(final DockerImageName image) {
        super(image);
        this.clientPort = freeHostPort();
        configureNode();
    }

    /**
     * @param image an image being built, e.g. Testcontainers' {@code ImageFromDockerfile} over deploy/Dockerfile
     */
    public FerryContainer(final Future<String> image) {
        super(image);
        this.clientPort = freeHostPort();
        configureNode();
    }

    private void configureNode() {
        withEnv("FERRY_NODE_ID", "1");
        withEnv("FERRY_CONTROLLER_VOTERS", "1@localhost:9094");
        withEnv("FERRY_LISTENER_PORT", Integer.toString(clientPort));
        withEnv("FERRY_METRICS_PORT", Integer.toString(METRICS_PORT));
        withEnv("FERRY_DEFAULT_REPLICATION_FACTOR", "1");
        withEnv("FERRY_OFFSETS_TOPIC_REPLICATION_FACTOR", "1");
        withEnv("FERRY_HEAP_OPTS", "-Xms64m -Xmx256m");
        // Tests restart nodes and expect elections in seconds, not the production 1-2 s timeouts times retries.
        withEnv("FERRY_RAFT_ELECTION_TIMEOUT_MIN_MS", "300");
        withEnv("FERRY_RAFT_ELECTION_TIMEOUT_MAX_MS", "600");
        addExposedPort(METRICS_PORT);
        addFixedExposedPort(clientPort, clientPort);
        waitingFor(Wait.forHttp("/health/ready").forPort(METRICS_PORT).forStatusCode(200)
            .withStartupTimeout(STARTUP_TIMEOUT));
    }

    /**
     * Sets a node setting by its key in cluster-node/CONFIGURATION.md, passed as the FERRY_ environment variable
     * the node reads it from.
     *
     * @param key   a node configuration key, e.g. {@code log.retention.ms}
     * @param value its value
     * @return this container
     */
    public FerryContainer withNodeConfig(final String key, final String value) {
        return withEnv("FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value);
    }

    @Override
    protected void configure() {
        advertisedHost = advertisableHost(getHost());
        if (!"localhost".equals(advertisedHost)) {
            withExtraHost(advertisedHost, "127.0.0.1");
        }
        withEnv("FERRY_ADVERTISED_HOST", advertisedHost);
    }

    /**
     * @return {@code host:port} for the client's {@code bootstrap.servers}; the same address the node advertises
     */
    public String getBootstrapServers() {
        if (advertisedHost == null) {
            throw new IllegalStateException("FerryContainer is not started: call start() first");
        }
        return advertisedHost + ":" + clientPort;
    }

    /**
     * @return the client port, the same number in the container and on the host
     */
    public int getClientPort() {
        return clientPort;
    }

    /**
     * @return {@code http://host:port} of the node's metrics and health endpoints, as reachable from the test
     */
    public String getMetricsUrl() {
        return "http://" + getHost() + ":" + getMappedPort(METRICS_PORT);
    }

    private static String advertisableHost(final String dockerHost) {
        if ("127.0.0.1".equals(dockerHost) || "::1".equals(dockerHost) || "localhost".equals(dockerHost)) {
            return "localhost";
        }
        if (isIpAddress(dockerHost)) {
            throw new IllegalStateException("FerryContainer needs a Docker host name it can advertise and map to"
                + " 127.0.0.1 in the container, but the Docker host is the address " + dockerHost
                + "; set TESTCONTAINERS_HOST_OVERRIDE to a host name that resolves to it");
        }
        return dockerHost;
    }

    private static boolean isIpAddress(final String host) {
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;
        }
        try {
            // A literal address is parsed, never looked up.
            InetAddress.getByName(host);
            return true;
        } catch (final UnknownHostException e) {
            return false;
        }
    }

    private static int freeHostPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (final IOException e) {
            throw new UncheckedIOException("no free port for the container's client port", e);
        }
    }
}
