package dev.ferry.chaos.cluster;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * One Ferry node of a {@link ChaosCluster}: a container with a fixed address on the cluster's network, and the
 * Docker-level operations the nemeses apply to it. Its address never changes (kill, restart, disconnect and
 * reconnect keep it), so clients and peers need no new metadata after a fault, as with a real machine.
 *
 * <p>Thread-safe as far as Docker is: a nemesis applies one operation at a time.
 */
public final class ChaosNode {
    private static final Logger LOG = LoggerFactory.getLogger(ChaosNode.class);
    /** A regular file, rw for everyone. */
    private static final int WRITABLE_BY_ALL = 0100666;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final int id;
    private final String ip;
    private final String networkId;
    private final GenericContainer<?> container;
    private final SmallDisk disk;

    ChaosNode(final int id, final String ip, final String networkId, final GenericContainer<?> container,
              final SmallDisk disk) {
        this.id = id;
        this.ip = ip;
        this.networkId = networkId;
        this.container = container;
        this.disk = disk;
    }

    /** @return the small file system holding this node's data directory, if it was given one */
    public java.util.Optional<SmallDisk> disk() {
        return java.util.Optional.ofNullable(disk);
    }

    /** @return the node id (1-based), as in the node's {@code node.id} */
    public int id() {
        return id;
    }

    /** @return the node's address on the cluster network, reachable from the test's host */
    public String ip() {
        return ip;
    }

    /** @return {@code ip:9092}, the client address the node advertises */
    public String clientAddress() {
        return ip + ":" + ChaosCluster.CLIENT_PORT;
    }

    /**
     * Reads a file of the node's container; works while it is stopped (Docker copies from its file system).
     *
     * @param path an absolute path in the container
     * @return the file's bytes
     */
    public byte[] readFile(final String path) {
        return container.copyFileFromContainer(path, InputStream::readAllBytes);
    }

    /**
     * Writes a file of the node's container, replacing it; works while it is stopped. Docker creates the file
     * anew, owned by root: it is made writable for all, so that the node's own user can still write it.
     *
     * @param path an absolute path in the container
     * @param bytes the new content
     */
    public void writeFile(final String path, final byte[] bytes) {
        container.copyFileToContainer(Transferable.of(bytes, WRITABLE_BY_ALL), path);
    }

    /** @return the name reports use, {@code node-<id>} */
    public String name() {
        return "node-" + id;
    }

    GenericContainer<?> container() {
        return container;
    }

    String containerId() {
        return container.getContainerId();
    }

    /** SIGKILL to the node's JVM (PID 1 of the container): no shutdown hook runs, the page cache survives. */
    public void kill() {
        LOG.info("node={} kill -9", id);
        docker().killContainerCmd(containerId()).withSignal("KILL").exec();
    }

    /** Starts a killed node again on its data; returns at once, see {@link #isReady()}. */
    public void start() {
        LOG.info("node={} start", id);
        docker().startContainerCmd(containerId()).exec();
    }

    /** Starts the node again if it is stopped (the healer of every fault that kills it). */
    public void startIfStopped() {
        if (!isRunning()) {
            start();
        }
    }

    /** Freezes every process of the node (cgroup freezer): connections stay open and nothing answers. */
    public void pause() {
        LOG.info("node={} pause", id);
        docker().pauseContainerCmd(containerId()).exec();
    }

    /** Thaws a paused node. */
    public void unpause() {
        LOG.info("node={} unpause", id);
        docker().unpauseContainerCmd(containerId()).exec();
    }

    /** Takes the node off the cluster network: nobody, clients included, reaches it, and it reaches nobody. */
    public void disconnect() {
        LOG.info("node={} network disconnect", id);
        docker().disconnectFromNetworkCmd().withNetworkId(networkId).withContainerId(containerId()).withForce(true)
            .exec();
    }

    /** Puts the node back on the cluster network under its own address. */
    public void connect() {
        LOG.info("node={} network connect ip={}", id, ip);
        docker().connectToNetworkCmd().withNetworkId(networkId).withContainerId(containerId())
            .withContainerNetwork(new ContainerNetwork()
                .withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(ip)))
            .exec();
    }

    /** @return whether the container runs (not killed; a paused one runs) */
    public boolean isRunning() {
        final InspectContainerResponse.ContainerState state = docker().inspectContainerCmd(containerId()).exec()
            .getState();
        return Boolean.TRUE.equals(state.getRunning());
    }

    /** @return whether the container is paused */
    public boolean isPaused() {
        return Boolean.TRUE.equals(docker().inspectContainerCmd(containerId()).exec().getState().getPaused());
    }

    /** @return whether the container is on the cluster network */
    public boolean isConnected() {
        return docker().inspectContainerCmd(containerId()).exec().getNetworkSettings().getNetworks().values()
            .stream().anyMatch(n -> networkId.equals(n.getNetworkID()));
    }

    /**
     * @return the host PID of the container's first process, for entering its network namespace
     * @throws IllegalStateException when the container does not run
     */
    long pid() {
        final Long pid = docker().inspectContainerCmd(containerId()).exec().getState().getPidLong();
        if (pid == null || pid <= 0) {
            throw new IllegalStateException(name() + " does not run: no network namespace to enter");
        }
        return pid;
    }

    /** @return whether {@code GET /health/ready} answers 200: the node joined and its replicas are in sync */
    public boolean isReady() {
        return httpOk("/health/ready");
    }

    /** @return what {@code GET /health/ready} answers (status and body, with the reasons of a node not ready) */
    public String readiness() {
        try {
            final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":"
                + ChaosCluster.METRICS_PORT + "/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body().strip();
        } catch (final IOException e) {
            return e.toString();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** @return whether {@code GET /health/live} answers 200 */
    public boolean isLive() {
        return httpOk("/health/live");
    }

    private boolean httpOk(final String path) {
        try {
            final HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":"
                + ChaosCluster.METRICS_PORT + path)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (final IOException e) {
            return false;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Override
    public String toString() {
        return name() + "@" + ip;
    }
}
