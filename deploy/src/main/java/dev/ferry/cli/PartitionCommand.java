package dev.ferry.cli;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.PartitionDescription;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code ferry partition transfer-leader|reassign}: move a partition's leadership or its replicas. */
@Command(name = "partition", description = "Move a partition's leadership or replicas.",
    mixinStandardHelpOptions = true,
    subcommands = {
        PartitionCommand.TransferLeader.class,
        PartitionCommand.Reassign.class,
    })
final class PartitionCommand {
    private static final long WAIT_POLL_MS = 250;

    private PartitionCommand() {
    }

    /** Moves leadership to another replica; returns once that replica leads. */
    @Command(name = "transfer-leader", mixinStandardHelpOptions = true,
        description = {"Make another replica of TOPIC/PARTITION its leader; returns once it leads.",
            "Leadership drifts back to the preferred replica (the first) after about ten seconds: for a lasting",
            "move, reassign with the wanted node first."})
    static final class TransferLeader implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "TOPIC/PARTITION", description = "the partition, e.g. orders/0")
        private String partition;
        @Option(names = "--to", paramLabel = "NODE", required = true, description = "the replica's node id")
        private int to;

        @Override
        public Integer call() {
            final TopicPartition tp = Arguments.topicPartition(partition);
            if (to < 0) {
                throw new UsageException("--to must be a node id >= 0, not " + to);
            }
            try (FerryAdmin admin = client.admin()) {
                final PartitionDescription before = describe(client, admin, tp);
                client.await(admin.transferLeadership(tp.topic(), tp.partition(), to),
                    "transfer leadership of " + partition);
                new Table("PARTITION", "LEADER-BEFORE", "LEADER-NOW").row(partition,
                    before.leader() < 0 ? "none" : before.leader(), to).print(spec.commandLine().getOut());
            }
            return 0;
        }
    }

    /** Sets a partition's replicas; with --wait, returns once the move is done. */
    @Command(name = "reassign", mixinStandardHelpOptions = true,
        description = {"Set the replicas of TOPIC/PARTITION (preferred leader first). The data moves in the",
            "background; --wait returns once it has (within --timeout-ms)."})
    static final class Reassign implements Callable<Integer> {
        @Spec
        private CommandSpec spec;
        @Mixin
        private ClientOptions client;
        @Parameters(paramLabel = "TOPIC/PARTITION", description = "the partition, e.g. orders/0")
        private String partition;
        @Option(names = "--replicas", paramLabel = "NODE,NODE...", required = true,
            description = "the new replicas, preferred leader first, e.g. 1,2,3")
        private String replicas;
        @Option(names = "--wait", description = "wait until the new replicas hold the partition")
        private boolean await;

        @Override
        public Integer call() throws InterruptedException {
            final TopicPartition tp = Arguments.topicPartition(partition);
            final List<Integer> target = Arguments.nodeIds("--replicas", replicas);
            try (FerryAdmin admin = client.admin()) {
                final PartitionDescription before = describe(client, admin, tp);
                client.await(admin.reassignPartitions(Map.of(tp, target)), "reassign " + partition);
                String status = "moving (watch: ferry topic describe " + tp.topic() + ")";
                if (await) {
                    waitFor(admin, tp, target);
                    status = "done";
                }
                new Table("PARTITION", "REPLICAS-BEFORE", "REPLICAS-NOW", "STATUS")
                    .row(partition, before.replicas(), target, status).print(spec.commandLine().getOut());
            }
            return 0;
        }

        private void waitFor(final FerryAdmin admin, final TopicPartition tp, final List<Integer> target)
            throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(client.timeoutMs());
            while (true) {
                final PartitionDescription p = describe(client, admin, tp);
                if (p.replicas().equals(target) && p.addingReplicas().isEmpty() && p.removingReplicas().isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reassignment of " + partition + " to " + target
                        + " not done within --timeout-ms=" + client.timeoutMs() + ": replicas now " + p.replicas()
                        + ", adding " + p.addingReplicas() + ", removing " + p.removingReplicas());
                }
                TimeUnit.MILLISECONDS.sleep(WAIT_POLL_MS);
            }
        }
    }

    static PartitionDescription describe(final ClientOptions client, final FerryAdmin admin,
                                         final TopicPartition tp) {
        final List<PartitionDescription> partitions = client.await(admin.describeTopics(List.of(tp.topic())),
            "describe topic " + tp.topic()).get(tp.topic()).partitions();
        if (tp.partition() >= partitions.size()) {
            throw new IllegalArgumentException("topic " + tp.topic() + " has no partition " + tp.partition()
                + " (it has " + partitions.size() + ")");
        }
        return partitions.get(tp.partition());
    }
}
