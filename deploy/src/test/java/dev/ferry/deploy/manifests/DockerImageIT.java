package dev.ferry.deploy.manifests;

import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Issue 6's image test: deploy/Dockerfile builds from the distribution tarball (on the local base image when it
 * exists, so no registry is needed) and a container configured only by FERRY_* variables becomes healthy by the
 * image's own HEALTHCHECK, running as the non-root user.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DockerImageIT {

    private static final Logger LOG = LoggerFactory.getLogger(DockerImageIT.class);
    private static final String LOCAL_BASE = "local/jre17-base:1";
    private static final String IMAGE = "ferry-it/deploy-node:latest";

    private static GenericContainer<?> node;

    @BeforeAll
    static void buildImage() throws Exception {
        requireDocker();
        final Path tarball = Path.of(System.getProperty("ferry.distribution", "target/missing.tar.gz"));
        if (!Files.isRegularFile(tarball)) {
            fail("no distribution at " + tarball.toAbsolutePath() + "; the package phase builds it");
        }
        // A fixed name, kept after the run: Ryuk is off on registry-less machines, so nothing would delete it.
        final ImageFromDockerfile image = new ImageFromDockerfile(IMAGE, false)
            .withFileFromPath("Dockerfile", Path.of(System.getProperty("ferry.dockerfile", "Dockerfile")))
            .withFileFromPath("target/" + tarball.getFileName(), tarball);
        if (imageExists(LOCAL_BASE)) {
            image.withBuildArg("BASE_IMAGE", LOCAL_BASE);
        }
        final long buildStart = System.nanoTime();
        image.get(5, TimeUnit.MINUTES);
        LOG.info("image {} built in {} ms", IMAGE, (System.nanoTime() - buildStart) / 1_000_000);
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.stop();
        }
    }

    @Test
    void shouldBecomeHealthyConfiguredByEnvironmentAsNonRoot() throws Exception {
        node = new GenericContainer<>(IMAGE)
            .withEnv("FERRY_NODE_ID", "1")
            .withEnv("FERRY_CONTROLLER_VOTERS", "1@localhost:9094")
            .withEnv("FERRY_DEFAULT_REPLICATION_FACTOR", "1")
            .withEnv("FERRY_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
            .withEnv("FERRY_HEAP_OPTS", "-Xms64m -Xmx256m")
            .withExposedPorts(9092, 9644)
            .withLogConsumer(new Slf4jLogConsumer(LOG).withPrefix("node"))
            .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(2)));
        final long start = System.nanoTime();
        node.start();
        LOG.info("container healthy {} ms after start", (System.nanoTime() - start) / 1_000_000);

        final ExecResult id = node.execInContainer("id", "-u");
        assertThat(id.getStdout().trim()).isEqualTo("10001");
        final ExecResult ready = node.execInContainer("wget", "-q", "-O", "-", "http://127.0.0.1:9644/health/ready");
        assertThat(ready.getStdout()).contains("\"status\":\"ready\"");
        final ExecResult touch = node.execInContainer("touch", "/var/lib/ferry/probe", "/opt/ferry/probe");
        assertThat(touch.getStderr()).as("data dir writable, distribution read-only")
            .doesNotContain("/var/lib/ferry/probe").contains("/opt/ferry/probe");
    }

    @Test
    void shouldDeclareTheDataVolumeAndThePorts() {
        final InspectImageResponse inspect = DockerClientFactory.instance().client().inspectImageCmd(IMAGE).exec();
        assertThat(inspect.getConfig().getVolumes()).containsOnlyKeys("/var/lib/ferry");
        assertThat(Arrays.stream(inspect.getConfig().getExposedPorts()).map(p -> p.getPort()))
            .containsExactlyInAnyOrder(9092, 9093, 9094, 9644);
        assertThat(inspect.getConfig().getUser()).isEqualTo("10001:10001");
        LOG.info("image {} is {} MB", IMAGE, inspect.getSize() / 1_000_000);
    }

    /** Skips without Docker on a developer's machine; fails in CI, where .ci/docker-setup.sh provides one. */
    private static void requireDocker() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true but no Docker engine is reachable; .ci/docker-setup.sh installs and starts one");
        }
        Assumptions.abort("no Docker engine reachable: container tests skipped (with CI=true they fail)");
    }

    private static boolean imageExists(final String name) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(name).exec();
            return true;
        } catch (final NotFoundException e) {
            return false;
        }
    }
}
