package dev.ferry.deploy.manifests;

import dev.ferry.node.server.ConfigKey;
import dev.ferry.node.server.ControllerVoter;
import dev.ferry.node.server.NodeConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.ferry.deploy.manifests.Yamls.get;
import static dev.ferry.deploy.manifests.Yamls.list;
import static dev.ferry.deploy.manifests.Yamls.map;
import static dev.ferry.deploy.manifests.Yamls.string;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parses every manifest in deploy/kubernetes and checks that they fit together: the objects a cluster needs
 * exist, selectors pick the pods, probes hit the node's health endpoints on its metrics port, the voters are the
 * StatefulSet's pods, and each pod's environment is a configuration the node accepts (validated by NodeConfig,
 * the node's own parser) with the node id its start command derives from the pod ordinal.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("kubernetes");
    /** Variables bin/ferry reads besides the node's settings. */
    private static final Set<String> LAUNCHER_VARIABLES = Set.of("FERRY_HEAP_OPTS", "FERRY_JVM_OPTS");
    private static final Pattern K8S_VARIABLE = Pattern.compile("(?<!\\$)\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private static final Map<String, Map<String, Object>> BY_KIND_AND_NAME = new LinkedHashMap<>();

    private static Map<String, Object> statefulSet;
    private static Map<String, Object> podSpec;
    private static Map<String, Object> container;

    @BeforeAll
    static void load() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            for (final Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (final Map<String, Object> doc : Yamls.documents(file)) {
                    final String name = doc.containsKey("metadata") ? string(doc, "metadata.name") : file.toString();
                    BY_KIND_AND_NAME.put(string(doc, "kind") + "/" + name, doc);
                }
            }
        }
        statefulSet = one("StatefulSet");
        podSpec = map(statefulSet, "spec.template.spec");
        container = map(list(podSpec, "containers").get(0), "containers[0]");
    }

    @Test
    void shouldHoldEveryObjectTheClusterNeeds() throws IOException {
        assertThat(BY_KIND_AND_NAME.keySet()).containsExactlyInAnyOrder("StatefulSet/ferry",
            "Service/ferry-headless", "Service/ferry", "PodDisruptionBudget/ferry",
            "Kustomization/" + DIR.resolve("kustomization.yaml"));
        final Set<String> listed = list(one("Kustomization"), "resources").stream().map(String::valueOf)
            .collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> files = Files.list(DIR)) {
            assertThat(listed).as("kustomization.yaml lists every manifest").isEqualTo(files
                .map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".yaml") && !f.startsWith("kustomization"))
                .collect(Collectors.toCollection(TreeSet::new)));
        }
    }

    @Test
    void shouldSelectTheStatefulSetsPodsEverywhere() {
        final Map<String, Object> podLabels = map(statefulSet, "spec.template.metadata.labels");
        assertThat(podLabels).containsAllEntriesOf(map(statefulSet, "spec.selector.matchLabels"));
        assertThat(podLabels).as("headless Service selector")
            .containsAllEntriesOf(map(service("ferry-headless"), "spec.selector"));
        assertThat(podLabels).as("client Service selector")
            .containsAllEntriesOf(map(service("ferry"), "spec.selector"));
        final Map<String, Object> pdb = one("PodDisruptionBudget");
        assertThat(podLabels).as("PodDisruptionBudget selector")
            .containsAllEntriesOf(map(pdb, "spec.selector.matchLabels"));
        assertThat(get(pdb, "spec.maxUnavailable")).isEqualTo(1);
    }

    @Test
    void shouldGiveEachPodAStableNameAndVolume() {
        assertThat(get(statefulSet, "spec.replicas")).isEqualTo(3);
        assertThat(get(statefulSet, "spec.podManagementPolicy")).isEqualTo("Parallel");
        final Map<String, Object> headless = service("ferry-headless");
        assertThat(string(statefulSet, "spec.serviceName")).isEqualTo("ferry-headless");
        assertThat(string(headless, "spec.clusterIP")).isEqualTo("None");
        assertThat(get(headless, "spec.publishNotReadyAddresses")).as("peers resolve before they are ready")
            .isEqualTo(true);
        final Map<String, Object> claim = map(list(statefulSet, "spec.volumeClaimTemplates").get(0), "claim");
        final Map<String, String> mounts = list(container, "volumeMounts").stream().map(m -> map(m, "mount"))
            .collect(Collectors.toMap(m -> string(m, "name"), m -> string(m, "mountPath")));
        assertThat(mounts).containsEntry(string(claim, "metadata.name"), env(0).get("FERRY_DATA_DIR"));
    }

    @Test
    void shouldProbeTheHealthEndpointsOnTheMetricsPort() {
        final NodeConfig config = nodeConfig(0);
        assertThat(string(container, "readinessProbe.httpGet.path")).isEqualTo("/health/ready");
        assertThat(string(container, "livenessProbe.httpGet.path")).isEqualTo("/health/live");
        for (final String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
            assertThat(get(container, probe + ".httpGet.port")).as(probe).isEqualTo(config.metricsPort());
        }
        assertThat(containerPort("metrics")).isEqualTo(config.metricsPort());
        assertThat(containerPort("client")).isEqualTo(config.listenerPort());
        assertThat(containerPort("raft")).isEqualTo(config.raftPort());
        assertThat(containerPort("controller")).isEqualTo(config.controllerPort());
        final Map<String, Object> clientPort = map(list(service("ferry"), "spec.ports").get(0), "client port");
        assertThat(string(clientPort, "targetPort")).isEqualTo("client");
        assertThat(map(container, "resources.requests")).containsKeys("cpu", "memory");
        assertThat(map(container, "resources.limits")).containsKey("memory");
    }

    @Test
    void shouldMakeTheThreePodsTheVotersWithIdsFromTheirOrdinals() throws Exception {
        final int replicas = (Integer) get(statefulSet, "spec.replicas");
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            final NodeConfig config = nodeConfig(ordinal);
            assertThat(config.nodeId()).isEqualTo(ordinal + 1);
            assertThat(nodeIdFromStartCommand(ordinal)).isEqualTo(ordinal + 1);
            assertThat(config.advertisedHost()).isEqualTo(podDns(ordinal));
            assertThat(config.isVoter()).isTrue();
            assertThat(config.voters()).hasSize(replicas);
            for (int i = 0; i < replicas; i++) {
                assertThat(config.voters().get(i)).isEqualTo(new ControllerVoter(i + 1, podDns(i),
                    config.controllerPort()));
            }
        }
    }

    @Test
    void shouldSetOnlyVariablesTheNodeOrLauncherReads() {
        final Set<String> known = NodeConfig.keys().stream().map(ConfigKey::envVar).collect(Collectors.toSet());
        assertThat(env(0).keySet().stream().filter(k -> k.startsWith("FERRY_")))
            .allMatch(k -> known.contains(k) || LAUNCHER_VARIABLES.contains(k));
    }

    @Test
    void shouldRunAsNonRootWithoutPrivileges() {
        assertThat(get(podSpec, "securityContext.runAsNonRoot")).isEqualTo(true);
        assertThat((Integer) get(podSpec, "securityContext.runAsUser")).isEqualTo(10001);
        assertThat(get(podSpec, "securityContext.fsGroup")).as("the volume is writable by the node").isEqualTo(10001);
        assertThat(get(container, "securityContext.allowPrivilegeEscalation")).isEqualTo(false);
        assertThat(list(container, "securityContext.capabilities.drop")).containsExactly("ALL");
    }

    /** Runs the container's start command with a real shell, exec replaced by printing the derived node id. */
    private static int nodeIdFromStartCommand(final int ordinal) throws Exception {
        final List<Object> command = list(container, "command");
        assertThat(command).containsExactly("/bin/sh", "-c");
        final String script = k8sExpand(String.valueOf(list(container, "args").get(0)), Map.of());
        final String launch = "exec /opt/ferry/bin/ferry node start";
        assertThat(script).endsWith(launch);
        final ProcessBuilder shell = new ProcessBuilder("/bin/sh", "-c",
            script.replace(launch, "echo \"$FERRY_NODE_ID\"")).redirectErrorStream(true);
        shell.environment().put("POD_NAME", "ferry-" + ordinal);
        final Process process = shell.start();
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.exitValue()).as(out).isZero();
        return Integer.parseInt(out);
    }

    /** The container's environment as Kubernetes gives it to pod ferry-N in namespace "ns". */
    private static Map<String, String> env(final int ordinal) {
        final Map<String, String> env = new LinkedHashMap<>();
        for (final Object item : list(container, "env")) {
            final Map<String, Object> var = map(item, "env entry");
            final String name = string(var, "name");
            if (var.containsKey("valueFrom")) {
                final String field = string(var, "valueFrom.fieldRef.fieldPath");
                env.put(name, switch (field) {
                    case "metadata.name" -> "ferry-" + ordinal;
                    case "metadata.namespace" -> "ns";
                    default -> throw new AssertionError("unexpected fieldRef " + field);
                });
            } else {
                env.put(name, k8sExpand(string(var, "value"), env));
            }
        }
        return env;
    }

    private static NodeConfig nodeConfig(final int ordinal) {
        final Map<String, String> env = new HashMap<>(env(ordinal));
        // The start command sets the id; the rest of the configuration comes from the manifest.
        env.put("FERRY_NODE_ID", Integer.toString(ordinal + 1));
        return NodeConfig.load(null, env);
    }

    /** Kubernetes' $(VAR) expansion of env values and args: defined variables replaced, $$ becomes $. */
    private static String k8sExpand(final String value, final Map<String, String> defined) {
        final Matcher m = K8S_VARIABLE.matcher(value);
        final StringBuilder out = new StringBuilder();
        while (m.find()) {
            final String replacement = defined.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString().replace("$$", "$");
    }

    private static String podDns(final int ordinal) {
        return "ferry-" + ordinal + ".ferry-headless.ns.svc.cluster.local";
    }

    private static int containerPort(final String name) {
        return list(container, "ports").stream().map(p -> map(p, "port"))
            .filter(p -> name.equals(p.get("name"))).map(p -> (Integer) p.get("containerPort")).findFirst()
            .orElseThrow(() -> new AssertionError("no container port named " + name));
    }

    private static Map<String, Object> service(final String name) {
        return BY_KIND_AND_NAME.get("Service/" + name);
    }

    private static Map<String, Object> one(final String kind) {
        final List<Map<String, Object>> found = BY_KIND_AND_NAME.entrySet().stream()
            .filter(e -> e.getKey().startsWith(kind + "/")).map(Map.Entry::getValue).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }
}
