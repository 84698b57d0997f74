package dev.ferry.testing;

import com.github.dockerjava.api.exception.NotFoundException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's node image for container tests, built by Testcontainers from the distribution tarball and
 * deploy/Dockerfile, on the machine-built base image when there is one (registry-less CI machines, see
 * deploy/docker/build-base-image.sh), else on the Dockerfile's public default.
 *
 * <p>The tarball and Dockerfile come from the system properties {@code ferry.distribution} and
 * {@code ferry.dockerfile}, which the modules' Failsafe configuration sets.
 *
 * <p>Stateless; thread-safe.
 */
public final class FerryImage {
    /** The base image deploy/docker/build-base-image.sh builds from the local JDK. */
    public static final String LOCAL_BASE = "local/jre17-base:1";

    private FerryImage() {
    }

    /**
     * @param name the image's name and tag; kept after the run (with Ryuk off nothing would delete a random one)
     * @return the image, built when first used
     * @throws AssertionError when the distribution has not been built
     */
    public static ImageFromDockerfile fromDistribution(final String name) {
        final Path tarball = Path.of(System.getProperty("ferry.distribution", "../deploy/target/missing.tar.gz"));
        final Path dockerfile = Path.of(System.getProperty("ferry.dockerfile", "../deploy/Dockerfile"));
        if (!Files.isRegularFile(tarball)) {
            Assertions.fail("no distribution at " + tarball.toAbsolutePath().normalize()
                + "; build it first: ./mvnw -B -pl deploy -am package -DskipTests");
        }
        final ImageFromDockerfile image = new ImageFromDockerfile(name, false)
            .withFileFromPath("Dockerfile", dockerfile)
            .withFileFromPath("target/" + tarball.getFileName(), tarball);
        if (imageExists(LOCAL_BASE)) {
            image.withBuildArg("BASE_IMAGE", LOCAL_BASE);
        }
        return image;
    }

    /**
     * Skips the calling test without a Docker engine on a developer's machine; fails it in CI ({@code CI=true}),
     * where .ci/docker-setup.sh provides one, so a broken engine can never turn the container tests green.
     */
    public static void requireDocker() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("CI=true but no Docker engine is reachable; .ci/docker-setup.sh installs and starts one");
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
