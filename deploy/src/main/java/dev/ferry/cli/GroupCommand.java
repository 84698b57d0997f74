package dev.ferry.cli;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.GroupDescription;
import dev.ferry.client.admin.GroupListing;
import dev.ferry.client.admin.MemberDescription;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.PartitionLag;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.OffsetAndTimestamp;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code ferry group list|describe|reset-offsets}: consumer groups, their members, offsets and lag. */
@Command(name = "group", description = "List and describe consumer groups; reset their offsets.",
    mixinStandardHelpOptions = true,
    subcommands = {
        GroupCommand.ListGroups.class,
        GroupCommand.Describe.class,
        GroupCommand.ResetOffsets.class,
    })
final class GroupCommand {
    private static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
        .thenComparingInt(TopicPartition::partition);

    private GroupCommand() {
    }

    /** Every group of the cluster with its state. */
    @Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true, description = "List consumer groups.")
    static final class ListGroups implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;

        @Override
        public Integer call() {
            final List<GroupListing> groups;
            try (FerryAdmin admin = client.admin()) {
                groups = client.await(admin.listConsumerGroups(), "list groups");
            }
            final Table table = new Table("GROUP", "STATE");
            groups.forEach(g -> table.row(g.groupId(), g.state()));
            table.print(spec.commandLine().getOut());
            return 0;
        }
    }

    /** A group's state, members, and per partition its owner, committed offset, high watermark and lag. */
    @Command(name = "describe", mixinStandardHelpOptions = true,
        description = "Describe a group: state, members, and per partition the member, committed offset, "
            + "high watermark and lag.")
    static final class Describe implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "GROUP", description = "the group")
        private String group;
        @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "output format (default: ${DEFAULT-VALUE})")
        private OutputFormat format;

        @Override
        public Integer call() {
            final GroupDescription g;
            final Map<TopicPartition, PartitionLag> lag;
            try (FerryAdmin admin = client.admin()) {
                g = client.await(admin.describeConsumerGroups(List.of(group)), "describe group " + group).get(group);
                lag = client.await(admin.consumerGroupLag(group), "lag of group " + group);
            }
            final Map<TopicPartition, MemberDescription> owners = new TreeMap<>(ORDER);
            g.members().forEach(m -> m.assignment().forEach(tp -> owners.put(tp, m)));
            final Map<TopicPartition, Object> rows = new TreeMap<>(ORDER);
            lag.keySet().forEach(tp -> rows.put(tp, tp));
            owners.keySet().forEach(tp -> rows.put(tp, tp));
            long totalLag = 0;
            for (final PartitionLag l : lag.values()) {
                totalLag += l.lag();
            }
            final PrintWriter out = spec.commandLine().getOut();
            if (format == OutputFormat.json) {
                out.println(Json.write(json(g, owners, lag, rows, totalLag)));
                out.flush();
                return 0;
            }
            new Table("KEY", "VALUE").row("group", g.groupId()).row("coordinator", g.coordinatorId())
                .row("state", g.state()).row("epoch", g.groupEpoch()).row("assignor", g.assignor())
                .row("members", g.members().size()).row("total-lag", totalLag).print(out);
            out.println();
            final Table table = new Table("TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                "MEMBER-ID", "CLIENT-ID", "HOST");
            for (final TopicPartition tp : rows.keySet()) {
                final PartitionLag l = lag.get(tp);
                final MemberDescription m = owners.get(tp);
                table.row(tp.topic(), tp.partition(), l == null ? null : l.committedOffset(),
                    l == null ? null : l.endOffset(), l == null ? null : l.lag(), m == null ? null : m.memberId(),
                    m == null ? null : m.clientId(), m == null ? null : m.clientHost());
            }
            table.print(out);
            return 0;
        }

        private static Map<String, Object> json(final GroupDescription g,
                                                final Map<TopicPartition, MemberDescription> owners,
                                                final Map<TopicPartition, PartitionLag> lag,
                                                final Map<TopicPartition, Object> rows, final long totalLag) {
            final List<Object> members = new ArrayList<>();
            for (final MemberDescription m : g.members()) {
                final Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("member_id", m.memberId());
                mm.put("client_id", m.clientId());
                mm.put("host", m.clientHost());
                mm.put("epoch", m.memberEpoch());
                final List<Object> assigned = new ArrayList<>();
                m.assignment().stream().sorted(ORDER).forEach(tp -> assigned.add(tp.topic() + "/" + tp.partition()));
                mm.put("assignment", assigned);
                members.add(mm);
            }
            final List<Object> partitions = new ArrayList<>();
            for (final TopicPartition tp : rows.keySet()) {
                final PartitionLag l = lag.get(tp);
                final MemberDescription m = owners.get(tp);
                final Map<String, Object> pm = new LinkedHashMap<>();
                pm.put("topic", tp.topic());
                pm.put("partition", tp.partition());
                pm.put("committed_offset", l == null ? null : l.committedOffset());
                pm.put("high_watermark", l == null ? null : l.endOffset());
                pm.put("lag", l == null ? null : l.lag());
                pm.put("member_id", m == null ? null : m.memberId());
                partitions.add(pm);
            }
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("group", g.groupId());
            out.put("coordinator", g.coordinatorId());
            out.put("state", g.state());
            out.put("epoch", g.groupEpoch());
            out.put("assignor", g.assignor());
            out.put("total_lag", totalLag);
            out.put("members", members);
            out.put("partitions", partitions);
            return out;
        }
    }

    /** Where reset-offsets moves the group to: exactly one. */
    static final class Target {
        @Option(names = "--to-earliest", required = true, description = "each partition's log start offset")
        private boolean earliest;
        @Option(names = "--to-latest", required = true, description = "each partition's high watermark")
        private boolean latest;
        @Option(names = "--to-offset", paramLabel = "N", required = true, description = "this offset")
        private Long offset;
        @Option(names = "--to-timestamp", paramLabel = "MS|ISO-8601", required = true,
            description = "the first record at or after this time (the high watermark when none)")
        private String timestamp;
    }

    /** Sets the committed offsets of a group without members, as kafka-consumer-groups --reset-offsets. */
    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
        description = {"Set a group's committed offsets for a topic's partitions. The group must have no active",
            "members (stop its consumers first)."})
    static final class ResetOffsets implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "GROUP", description = "the group")
        private String group;
        @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC", required = true, description = "the topic")
        private String topic;
        @Option(names = {"-p", "--partition"}, paramLabel = "P", split = ",",
            description = "only these partitions (default: all)")
        private List<Integer> partitions = new ArrayList<>();
        @ArgGroup(exclusive = true, multiplicity = "1")
        private Target target;
        @Option(names = "--dry-run", description = "print the new offsets without setting them")
        private boolean dryRun;

        @Override
        public Integer call() {
            if (target.offset != null && target.offset < 0) {
                throw new UsageException("--to-offset must be >= 0, not " + target.offset);
            }
            final Long ts = target.timestamp == null ? null : Arguments.timestampMs("--to-timestamp",
                target.timestamp);
            try (FerryAdmin admin = client.admin()) {
                final TopicDescription t = client.await(admin.describeTopics(List.of(topic)),
                    "describe topic " + topic).get(topic);
                final List<TopicPartition> tps = new ArrayList<>();
                for (final PartitionDescription p : t.partitions()) {
                    if (partitions.isEmpty() || partitions.contains(p.partition())) {
                        tps.add(new TopicPartition(topic, p.partition()));
                    }
                }
                for (final int p : partitions) {
                    if (p < 0 || p >= t.partitions().size()) {
                        throw new IllegalArgumentException("topic " + topic + " has no partition " + p + " (it has "
                            + t.partitions().size() + ")");
                    }
                }
                final Map<TopicPartition, Long> before = client.await(admin.listConsumerGroupOffsets(group),
                    "committed offsets of group " + group);
                final Map<TopicPartition, Long> after = targets(tps, ts);
                if (!dryRun) {
                    client.await(admin.resetOffsets(group, after), "reset offsets of group " + group);
                }
                final Table table = new Table("TOPIC", "PARTITION", "PREVIOUS-OFFSET", "NEW-OFFSET");
                after.forEach((tp, o) -> table.row(tp.topic(), tp.partition(), before.get(tp), o));
                table.print(spec.commandLine().getOut());
                if (dryRun) {
                    spec.commandLine().getOut().println("(dry run: nothing changed)");
                    spec.commandLine().getOut().flush();
                }
            }
            return 0;
        }

        private Map<TopicPartition, Long> targets(final List<TopicPartition> tps, final Long ts) {
            final Map<TopicPartition, Long> out = new TreeMap<>(ORDER);
            if (target.offset != null) {
                tps.forEach(tp -> out.put(tp, target.offset));
                return out;
            }
            final Duration timeout = Duration.ofMillis(client.timeoutMs());
            try (FerryConsumer consumer = client.consumer(Map.of())) {
                if (target.earliest) {
                    out.putAll(consumer.beginningOffsets(tps, timeout));
                } else if (target.latest) {
                    out.putAll(consumer.endOffsets(tps, timeout));
                } else {
                    final Map<TopicPartition, Long> ask = new HashMap<>();
                    tps.forEach(tp -> ask.put(tp, ts));
                    final Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(ask, timeout);
                    final Map<TopicPartition, Long> ends = consumer.endOffsets(tps, timeout);
                    tps.forEach(tp -> out.put(tp, found.get(tp) == null ? ends.get(tp) : found.get(tp).offset()));
                }
            }
            return out;
        }
    }
}
