package dev.ferry.deploy.manifests;

import dev.ferry.node.server.NodeConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads deploy/Dockerfile's final stage and checks the promises the README and the manifests rely on: a public
 * default base that can be replaced, a non-root user, data on a volume, the ports the environment configures
 * exposed, a health check on /health/ready and the node started by bin/ferry. DockerImageIT builds and runs it.
 */
class DockerfileTest {

    private static final Path FILE = Path.of("Dockerfile");
    private static final Pattern ENV_PAIR = Pattern.compile("(FERRY_[A-Z_]+)=(\"[^\"]*\"|\\S+)");

    private static List<String> instructions;
    private static List<String> finalStage;
    private static Map<String, String> env;

    @BeforeAll
    static void load() throws IOException {
        instructions = new ArrayList<>();
        final StringBuilder current = new StringBuilder();
        for (final String line : Files.readAllLines(FILE)) {
            if (current.isEmpty() && (line.isBlank() || line.startsWith("#"))) {
                continue;
            }
            final boolean continued = line.endsWith("\\");
            current.append(continued ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continued) {
                instructions.add(current.toString().trim().replaceAll("\\s+", " "));
                current.setLength(0);
            }
        }
        final int lastFrom = instructions.stream().filter(i -> i.startsWith("FROM ")).map(instructions::indexOf)
            .reduce((a, b) -> b).orElseThrow();
        finalStage = instructions.subList(lastFrom, instructions.size());
        env = new LinkedHashMap<>();
        for (final String instruction : finalStage) {
            if (instruction.startsWith("ENV ")) {
                final Matcher m = ENV_PAIR.matcher(instruction);
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replace("\"", ""));
                }
            }
        }
    }

    @Test
    void shouldDefaultToAPublicJreBaseThatABuildArgReplaces() {
        assertThat(instructions.get(0)).isEqualTo("ARG BASE_IMAGE=eclipse-temurin:17-jre");
        assertThat(finalStage.get(0)).isEqualTo("FROM ${BASE_IMAGE}");
    }

    @Test
    void shouldRunAsTheNonRootUserThatOwnsTheDataVolume() {
        assertThat(finalStage).contains("USER 10001:10001");
        assertThat(finalStage).contains("VOLUME [\"" + env.get("FERRY_DATA_DIR") + "\"]");
        assertThat(finalStage).anyMatch(i -> i.startsWith("RUN ") && i.contains("chown 10001:10001 "
            + env.get("FERRY_DATA_DIR")));
    }

    @Test
    void shouldExposeThePortsTheEnvironmentConfigures() {
        final Map<String, String> node = new HashMap<>(env);
        node.put("FERRY_NODE_ID", "1");
        node.put("FERRY_CONTROLLER_VOTERS", "1@localhost:" + env.get("FERRY_CONTROLLER_PORT"));
        final NodeConfig config = NodeConfig.load(null, node);
        assertThat(finalStage).contains("EXPOSE " + config.listenerPort() + " " + config.raftPort() + " "
            + config.controllerPort() + " " + config.metricsPort());
        assertThat(config.listenerHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void shouldCheckReadinessAndStartTheNode() {
        assertThat(finalStage).anyMatch(i -> i.startsWith("HEALTHCHECK ")
            && i.contains("http://127.0.0.1:${FERRY_METRICS_PORT}/health/ready"));
        assertThat(finalStage.get(finalStage.size() - 1))
            .isEqualTo("ENTRYPOINT [\"/opt/ferry/bin/ferry\", \"node\", \"start\"]");
    }
}
