package dev.ferry.cli;

import dev.ferry.client.admin.ClusterDescription;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NodeDescription;
import dev.ferry.client.admin.NodeState;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.TopicDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code ferry cluster info|health}: what the cluster is made of, and whether it is whole. */
@Command(name = "cluster", description = "Describe the cluster and check its health.", mixinStandardHelpOptions = true,
    subcommands = {ClusterCommand.Info.class, ClusterCommand.Health.class})
final class ClusterCommand {
    private ClusterCommand() {
    }

    /** Nodes, racks, the controller and the number of topics. */
    @Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the cluster id, the controller, the number of topics and every node with its rack.")
    static final class Info implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "output format (default: ${DEFAULT-VALUE})")
        private OutputFormat format;

        @Override
        public Integer call() {
            final ClusterDescription cluster;
            final Set<String> topics;
            try (FerryAdmin admin = client.admin()) {
                cluster = client.await(admin.describeCluster(), "describe cluster");
                topics = client.await(admin.listTopics(), "list topics");
            }
            final Set<String> racks = new TreeSet<>();
            cluster.nodes().stream().map(NodeDescription::rack).filter(r -> !r.isEmpty()).forEach(racks::add);
            final PrintWriter out = spec.commandLine().getOut();
            if (format == OutputFormat.json) {
                final List<Object> nodes = new ArrayList<>();
                for (final NodeDescription n : cluster.nodes()) {
                    final Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", n.id());
                    m.put("host", n.host());
                    m.put("port", n.port());
                    m.put("rack", n.rack().isEmpty() ? null : n.rack());
                    m.put("state", n.state().name());
                    m.put("replicas", n.replicas());
                    m.put("leaders", n.leaders());
                    m.put("controller_voter", n.controllerVoter());
                    nodes.add(m);
                }
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("cluster_id", cluster.clusterId());
                m.put("controller", cluster.controllerId());
                m.put("topics", topics.size());
                m.put("racks", List.copyOf(racks));
                m.put("nodes", nodes);
                out.println(Json.write(m));
                out.flush();
                return 0;
            }
            out.println("CLUSTER");
            out.println("=======");
            new Table("KEY", "VALUE").row("cluster-id", cluster.clusterId())
                .row("controller", cluster.controllerId() < 0 ? "none" : cluster.controllerId())
                .row("topics", topics.size()).row("racks", racks.isEmpty() ? "none" : String.join(",", racks))
                .print(out);
            out.println();
            out.println("NODES");
            out.println("=====");
            final Table t = new Table("ID", "HOST", "PORT", "RACK", "STATE", "REPLICAS", "LEADERS", "VOTER");
            for (final NodeDescription n : cluster.nodes()) {
                t.row(n.id() + (n.id() == cluster.controllerId() ? "*" : ""), n.host(), n.port(),
                    n.rack().isEmpty() ? null : n.rack(), n.state(), n.replicas(), n.leaders(), n.controllerVoter());
            }
            t.print(out);
            return 0;
        }
    }

    /**
     * Every node up, a controller, every partition led and fully replicated. A node counts as up while the
     * controller sees it heartbeat (ALIVE, or moving its replicas away); a partition is under-replicated when a
     * replica is out of the in-sync set or on a node that is down.
     */
    @Command(name = "health", mixinStandardHelpOptions = true,
        description = {"Check that every node is up, a controller is elected and every partition has a leader and",
            "all its replicas; exit 1 when not."})
    static final class Health implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;

        @Override
        public Integer call() {
            final ClusterDescription cluster;
            final Map<String, TopicDescription> topics;
            try (FerryAdmin admin = client.admin()) {
                cluster = client.await(admin.describeCluster(), "describe cluster");
                final Set<String> names = client.await(admin.listTopics(true), "list topics");
                topics = names.isEmpty() ? Map.of() : client.await(admin.describeTopics(names), "describe topics");
            }
            final Set<Integer> all = new TreeSet<>();
            final Set<Integer> down = new TreeSet<>();
            for (final NodeDescription n : cluster.nodes()) {
                all.add(n.id());
                if (n.state() != NodeState.ALIVE && n.state() != NodeState.DECOMMISSIONING
                    && n.state() != NodeState.DECOMMISSIONED) {
                    down.add(n.id());
                }
            }
            final List<String> leaderless = new ArrayList<>();
            final List<String> underReplicated = new ArrayList<>();
            for (final TopicDescription t : topics.values()) {
                for (final PartitionDescription p : t.partitions()) {
                    final String name = t.name() + "/" + p.partition();
                    if (p.leader() < 0) {
                        leaderless.add(name);
                    }
                    if (p.replicas().stream().anyMatch(r -> !p.inSyncReplicas().contains(r) || down.contains(r))) {
                        underReplicated.add(name);
                    }
                }
            }
            final boolean healthy = cluster.controllerId() >= 0 && down.isEmpty() && leaderless.isEmpty()
                && underReplicated.isEmpty();
            final PrintWriter out = spec.commandLine().getOut();
            new Table("CHECK", "RESULT").row("healthy", healthy)
                .row("controller", cluster.controllerId() < 0 ? "none" : cluster.controllerId())
                .row("nodes", all).row("nodes down", down).row("leaderless partitions", list(leaderless))
                .row("under-replicated partitions", list(underReplicated)).print(out);
            if (healthy) {
                return 0;
            }
            spec.commandLine().getErr().println(spec.qualifiedName() + ": unhealthy: " + down.size() + " node(s) down, "
                + leaderless.size() + " leaderless and " + underReplicated.size() + " under-replicated partition(s)"
                + (cluster.controllerId() < 0 ? ", no controller" : ""));
            spec.commandLine().getErr().flush();
            return FerryCli.EXIT_FAILED;
        }

        private static String list(final List<String> names) {
            final int shown = 10;
            return names.size() <= shown ? names.toString()
                : names.subList(0, shown) + " and " + (names.size() - shown) + " more";
        }
    }
}
