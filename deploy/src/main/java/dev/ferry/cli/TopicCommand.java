package dev.ferry.cli;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.ConfigChange;
import dev.ferry.client.admin.ConfigEntry;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.consumer.FerryConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code ferry topic ...}: create, list, describe, delete, grow and configure topics. */
@Command(name = "topic", description = "Create, list, describe, delete and configure topics.",
    mixinStandardHelpOptions = true,
    subcommands = {
        TopicCommand.Create.class,
        TopicCommand.ListTopics.class,
        TopicCommand.Describe.class,
        TopicCommand.Delete.class,
        TopicCommand.AddPartitions.class,
        TopicCommand.AlterConfig.class,
    })
final class TopicCommand {
    private TopicCommand() {
    }

    /** Creates topics one call each, so one name taken does not hide the others' outcome. */
    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create topics.")
    static final class Create implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "the topics to create")
        private List<String> names;
        @Option(names = {"-p", "--partitions"}, paramLabel = "N", defaultValue = "0",
            description = "partitions per topic (default: the cluster's num.partitions)")
        private int partitions;
        @Option(names = {"-r", "--replicas"}, paramLabel = "N", defaultValue = "0",
            description = "replicas per partition (default: the cluster's default.replication.factor)")
        private int replicas;
        @Option(names = {"-c", "--topic-config"}, paramLabel = "KEY=VALUE",
            description = "a topic setting, e.g. -c retention.ms=3600000; repeatable")
        private Map<String, String> configs = new LinkedHashMap<>();

        @Override
        public Integer call() {
            if (partitions < 0 || replicas < 0) {
                throw new UsageException("--partitions and --replicas must not be negative");
            }
            final Table table = new Table("TOPIC", "STATUS");
            String failure = null;
            try (FerryAdmin admin = client.admin()) {
                for (final String name : names) {
                    try {
                        client.await(admin.createTopics(List.of(new NewTopic(name, partitions, replicas, configs))),
                            "create topic " + name);
                        table.row(name, "OK");
                    } catch (final RuntimeException e) {
                        table.row(name, e.getMessage());
                        failure = failure == null ? e.getMessage() : failure;
                    }
                }
            }
            table.print(spec.commandLine().getOut());
            return Commands.failIf(spec, failure);
        }
    }

    /** Lists the topics with their partition and replica counts. */
    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List topics.")
    static final class ListTopics implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Option(names = {"-i", "--internal"}, description = "include internal topics (e.g. __consumer_offsets)")
        private boolean internal;
        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "output format (default: ${DEFAULT-VALUE})")
        private OutputFormat format;

        @Override
        public Integer call() {
            final Map<String, TopicDescription> topics;
            try (FerryAdmin admin = client.admin()) {
                final Set<String> names = client.await(admin.listTopics(internal), "list topics");
                topics = names.isEmpty() ? Map.of() : client.await(admin.describeTopics(names), "describe topics");
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (format == OutputFormat.json) {
                final List<Object> list = new ArrayList<>();
                for (final TopicDescription t : topics.values()) {
                    final Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", t.name());
                    m.put("partitions", t.partitions().size());
                    m.put("replicas", replicationFactor(t));
                    m.put("internal", t.internal());
                    list.add(m);
                }
                out.println(Json.write(list));
                out.flush();
                return 0;
            }
            final Table table = new Table("NAME", "PARTITIONS", "REPLICAS");
            topics.values().forEach(t -> table.row(t.name(), t.partitions().size(), replicationFactor(t)));
            table.print(out);
            return 0;
        }
    }

    /** Configs and partitions (leader, replicas, in-sync replicas, log start and end offsets) of topics. */
    @Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Describe topics: settings, and per partition the leader, replicas, in-sync replicas, "
            + "log start offset and high watermark.")
    static final class Describe implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "the topics")
        private List<String> names;
        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "output format (default: ${DEFAULT-VALUE}); json: an object, an array for several topics")
        private OutputFormat format;

        @Override
        public Integer call() {
            final Map<String, TopicDescription> topics;
            final Map<String, Map<String, ConfigEntry>> configs = new LinkedHashMap<>();
            final Map<TopicPartition, Long> starts;
            final Map<TopicPartition, Long> ends;
            try (FerryAdmin admin = client.admin()) {
                topics = client.await(admin.describeTopics(names), "describe topics");
                for (final String name : names) {
                    configs.put(name, client.await(admin.describeConfigs(name), "describe configs of " + name));
                }
            }
            final List<TopicPartition> tps = new ArrayList<>();
            topics.values().forEach(t -> t.partitions().forEach(p -> tps.add(new TopicPartition(t.name(),
                p.partition()))));
            try (FerryConsumer consumer = client.consumer(Map.of())) {
                final Duration timeout = Duration.ofMillis(client.timeoutMs());
                starts = tps.isEmpty() ? Map.of() : consumer.beginningOffsets(tps, timeout);
                ends = tps.isEmpty() ? Map.of() : consumer.endOffsets(tps, timeout);
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (format == OutputFormat.json) {
                final List<Object> list = new ArrayList<>();
                topics.values().forEach(t -> list.add(json(t, configs.get(t.name()), starts, ends)));
                out.println(Json.write(names.size() == 1 ? list.get(0) : list));
                out.flush();
                return 0;
            }
            boolean first = true;
            for (final TopicDescription t : topics.values()) {
                if (!first) {
                    out.println();
                }
                first = false;
                text(out, t, configs.get(t.name()), starts, ends);
            }
            out.flush();
            return 0;
        }

        private static void text(final PrintWriter out, final TopicDescription t, final Map<String, ConfigEntry> cfg,
                                 final Map<TopicPartition, Long> starts, final Map<TopicPartition, Long> ends) {
            out.println("SUMMARY");
            out.println("=======");
            new Table("KEY", "VALUE").row("name", t.name()).row("internal", t.internal())
                .row("partitions", t.partitions().size()).row("replicas", replicationFactor(t)).print(out);
            out.println();
            out.println("CONFIGS");
            out.println("=======");
            final Table configs = new Table("KEY", "VALUE", "SOURCE");
            cfg.values().forEach(e -> configs.row(e.name(), e.value(), e.isDefault() ? "default" : "topic"));
            configs.print(out);
            out.println();
            out.println("PARTITIONS");
            out.println("==========");
            final Table parts = new Table("PARTITION", "LEADER", "REPLICAS", "IN-SYNC", "LOG-START-OFFSET",
                "HIGH-WATERMARK");
            for (final PartitionDescription p : t.partitions()) {
                final TopicPartition tp = new TopicPartition(t.name(), p.partition());
                parts.row(p.partition(), p.leader() < 0 ? "none" : p.leader(), replicas(p), p.inSyncReplicas(),
                    starts.get(tp), ends.get(tp));
            }
            parts.print(out);
        }

        private static Map<String, Object> json(final TopicDescription t, final Map<String, ConfigEntry> cfg,
                                                final Map<TopicPartition, Long> starts,
                                                final Map<TopicPartition, Long> ends) {
            final Map<String, Object> configs = new LinkedHashMap<>();
            cfg.values().forEach(e -> configs.put(e.name(), e.value()));
            final List<Object> partitions = new ArrayList<>();
            for (final PartitionDescription p : t.partitions()) {
                final TopicPartition tp = new TopicPartition(t.name(), p.partition());
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("partition", p.partition());
                m.put("leader", p.leader());
                m.put("replicas", p.replicas());
                m.put("in_sync_replicas", p.inSyncReplicas());
                m.put("adding_replicas", p.addingReplicas());
                m.put("removing_replicas", p.removingReplicas());
                m.put("log_start_offset", starts.get(tp));
                m.put("high_watermark", ends.get(tp));
                partitions.add(m);
            }
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", t.name());
            m.put("internal", t.internal());
            m.put("configs", configs);
            m.put("partitions", partitions);
            return m;
        }

        private static String replicas(final PartitionDescription p) {
            if (p.addingReplicas().isEmpty() && p.removingReplicas().isEmpty()) {
                return p.replicas().toString();
            }
            return p.replicas() + " (adding " + p.addingReplicas() + ", removing " + p.removingReplicas() + ")";
        }
    }

    /** Deletes topics with their data, one call each. */
    @Command(name = "delete", aliases = "rm", mixinStandardHelpOptions = true,
        description = "Delete topics and their data.")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NAME", description = "the topics to delete")
        private List<String> names;

        @Override
        public Integer call() {
            final Table table = new Table("TOPIC", "STATUS");
            String failure = null;
            try (FerryAdmin admin = client.admin()) {
                for (final String name : names) {
                    try {
                        client.await(admin.deleteTopics(List.of(name)), "delete topic " + name);
                        table.row(name, "OK");
                    } catch (final RuntimeException e) {
                        table.row(name, e.getMessage());
                        failure = failure == null ? e.getMessage() : failure;
                    }
                }
            }
            table.print(spec.commandLine().getOut());
            return Commands.failIf(spec, failure);
        }
    }

    /** Adds partitions: {@code --num} is the number to add, as in rpk (not the new total). */
    @Command(name = "add-partitions", mixinStandardHelpOptions = true,
        description = {"Add partitions to a topic. --num is how many to ADD (as rpk's topic add-partitions),",
            "not the new total; existing keys may then map to other partitions."})
    static final class AddPartitions implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "NAME", description = "the topic")
        private String name;
        @Option(names = {"-n", "--num"}, paramLabel = "N", required = true,
            description = "the number of partitions to add")
        private int num;

        @Override
        public Integer call() {
            if (num < 1) {
                throw new UsageException("--num must be at least 1 (the partitions to add), not " + num);
            }
            try (FerryAdmin admin = client.admin()) {
                final int current = client.await(admin.describeTopics(List.of(name)), "describe topic " + name)
                    .get(name).partitions().size();
                client.await(admin.createPartitions(name, current + num), "add partitions to " + name);
                new Table("TOPIC", "PARTITIONS-BEFORE", "PARTITIONS-NOW")
                    .row(name, current, current + num).print(spec.commandLine().getOut());
            }
            return 0;
        }
    }

    /** Sets and deletes topic overrides in one call. */
    @Command(name = "alter-config", mixinStandardHelpOptions = true,
        description = "Set or delete a topic's setting overrides (applied together).")
    static final class AlterConfig implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "NAME", description = "the topic")
        private String name;
        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "set an override; repeatable")
        private Map<String, String> set = new LinkedHashMap<>();
        @Option(names = {"-d", "--delete"}, paramLabel = "KEY",
            description = "remove an override (back to the default); repeatable")
        private List<String> delete = new ArrayList<>();

        @Override
        public Integer call() {
            if (set.isEmpty() && delete.isEmpty()) {
                throw new UsageException("give at least one --set KEY=VALUE or --delete KEY");
            }
            final List<ConfigChange> changes = new ArrayList<>();
            final Table table = new Table("TOPIC", "KEY", "CHANGE");
            set.forEach((k, v) -> {
                changes.add(ConfigChange.set(k, v));
                table.row(name, k, "set to " + v);
            });
            delete.forEach(k -> {
                changes.add(ConfigChange.delete(k));
                table.row(name, k, "deleted");
            });
            try (FerryAdmin admin = client.admin()) {
                client.await(admin.alterConfigs(name, changes), "alter configs of " + name);
            }
            table.print(spec.commandLine().getOut());
            return 0;
        }
    }

    /** The replica count of the first partition: every partition of a topic has the same. */
    static int replicationFactor(final TopicDescription t) {
        return t.partitions().isEmpty() ? 0 : t.partitions().get(0).replicas().size();
    }
}
