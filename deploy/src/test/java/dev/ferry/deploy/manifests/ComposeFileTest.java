package dev.ferry.deploy.manifests;

import dev.ferry.node.server.ConfigKey;
import dev.ferry.node.server.ControllerVoter;
import dev.ferry.node.server.NodeConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.ferry.deploy.manifests.Yamls.get;
import static dev.ferry.deploy.manifests.Yamls.list;
import static dev.ferry.deploy.manifests.Yamls.map;
import static dev.ferry.deploy.manifests.Yamls.string;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parses deploy/compose/docker-compose.yml (anchors and merge keys resolved as Compose does) and checks that the
 * three services form one cluster: each service's environment is a configuration the node accepts, ids are
 * distinct, every node advertises its service name, the voters are the services, client ports are published
 * under their own number (clients connect to the advertised port), data sits on a named volume and the health
 * check asks /health/ready on the metrics port.
 */
class ComposeFileTest {

    private static final Path FILE = Path.of("compose", "docker-compose.yml");
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("FERRY_HEAP_OPTS", "FERRY_JVM_OPTS");

    private static Map<String, Object> compose;
    private static Map<String, Object> services;
    private static final Map<String, NodeConfig> CONFIGS = new LinkedHashMap<>();

    @BeforeAll
    static void load() {
        final List<Map<String, Object>> docs = Yamls.documents(FILE);
        assertThat(docs).hasSize(1);
        compose = docs.get(0);
        services = map(compose, "services");
        for (final String name : services.keySet()) {
            CONFIGS.put(name, NodeConfig.load(null, env(name)));
        }
    }

    @Test
    void shouldRunThreeNodesWithDistinctIdsAdvertisingTheirServiceNames() {
        assertThat(services.keySet()).containsExactly("ferry-1", "ferry-2", "ferry-3");
        assertThat(CONFIGS.values().stream().map(NodeConfig::nodeId)).containsExactly(1, 2, 3);
        for (final Map.Entry<String, NodeConfig> e : CONFIGS.entrySet()) {
            assertThat(e.getValue().advertisedHost()).isEqualTo(e.getKey());
            assertThat(string(service(e.getKey()), "hostname")).isEqualTo(e.getKey());
            assertThat(e.getValue().defaultReplicationFactor()).isEqualTo(3);
        }
    }

    @Test
    void shouldListEveryServiceAsAVoterOnItsControllerPort() {
        for (final NodeConfig config : CONFIGS.values()) {
            assertThat(config.isVoter()).isTrue();
            assertThat(config.voters()).containsExactlyElementsOf(CONFIGS.values().stream()
                .map(c -> new ControllerVoter(c.nodeId(), c.advertisedHost(), c.controllerPort())).toList());
        }
    }

    @Test
    void shouldPublishEachClientPortUnderItsOwnNumber() {
        final Set<Integer> ports = CONFIGS.values().stream().map(NodeConfig::listenerPort).collect(Collectors.toSet());
        assertThat(ports).as("distinct client ports, so one host can publish all three").hasSize(3);
        for (final Map.Entry<String, NodeConfig> e : CONFIGS.entrySet()) {
            final int port = e.getValue().listenerPort();
            assertThat(list(service(e.getKey()), "ports")).containsExactly(port + ":" + port);
        }
    }

    @Test
    void shouldKeepDataOnANamedVolumePerNode() {
        final Map<String, Object> volumes = map(compose, "volumes");
        for (final Map.Entry<String, NodeConfig> e : CONFIGS.entrySet()) {
            final List<Object> mounts = list(service(e.getKey()), "volumes");
            assertThat(mounts).hasSize(1);
            final String[] mount = String.valueOf(mounts.get(0)).split(":");
            assertThat(volumes).containsKey(mount[0]);
            assertThat(mount[1]).isEqualTo(e.getValue().dataDir().toString());
        }
        assertThat(volumes).hasSize(CONFIGS.size());
    }

    @Test
    void shouldCheckHealthOnTheMetricsPort() {
        for (final Map.Entry<String, NodeConfig> e : CONFIGS.entrySet()) {
            final Map<String, Object> service = service(e.getKey());
            final List<Object> test = list(service, "healthcheck.test");
            assertThat(test.get(0)).isEqualTo("CMD-SHELL");
            assertThat(String.valueOf(test.get(1)))
                .contains("http://127.0.0.1:" + e.getValue().metricsPort() + "/health/ready");
            assertThat(string(service, "healthcheck.start_period")).isNotBlank();
        }
    }

    @Test
    void shouldBuildTheProjectImageWithASelectableBase() {
        for (final String name : services.keySet()) {
            final Map<String, Object> build = map(service(name), "build");
            final Path dockerfile = FILE.getParent().resolve(string(build, "context")).resolve(string(build,
                "dockerfile"));
            assertThat(Files.isRegularFile(dockerfile)).as(dockerfile.toString()).isTrue();
            assertThat(string(build, "args.BASE_IMAGE")).isEqualTo("${FERRY_BASE_IMAGE:-eclipse-temurin:17-jre}");
            assertThat(string(service(name), "stop_grace_period")).isEqualTo("30s");
        }
    }

    @Test
    void shouldSetOnlyVariablesTheNodeOrLauncherReads() {
        final Set<String> known = NodeConfig.keys().stream().map(ConfigKey::envVar).collect(Collectors.toSet());
        for (final String name : services.keySet()) {
            assertThat(env(name).keySet()).as(name).allMatch(k -> known.contains(k) || LAUNCHER_VARIABLES.contains(k));
        }
    }

    private static Map<String, Object> service(final String name) {
        return map(services, name);
    }

    private static Map<String, String> env(final String service) {
        final Map<String, String> env = new LinkedHashMap<>();
        map(get(service(service), "environment"), service + ".environment")
            .forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }
}
