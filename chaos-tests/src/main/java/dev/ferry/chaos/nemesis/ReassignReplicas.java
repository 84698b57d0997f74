package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.history.FaultKind;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.PartitionDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * A replica membership change under load: one replica of a random partition (its leader half the time) is
 * replaced by a node that holds none, through the admin API; the partition's Raft group changes its voters while
 * producers write to it. Healing waits until the move is done. Needs more nodes than replicas (5 nodes, RF 3).
 */
public final class ReassignReplicas implements Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(ReassignReplicas.class);
    private static final Duration MOVE_TIMEOUT = Duration.ofMinutes(2);

    @Override
    public String name() {
        return "reassign-replica";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.MEMBERSHIP_CHANGE;
    }

    @Override
    public boolean applicable(final NemesisContext context) {
        final List<PartitionDescription> partitions = context.partitions();
        return !partitions.isEmpty() && partitions.get(0).replicas().size() < context.cluster().nodes().size();
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final List<PartitionDescription> partitions = context.partitions();
        if (partitions.isEmpty()) {
            return new Fault("no reassignment: the topic was not described", List.of(), Set.of(), () -> {
            }, () -> {
            });
        }
        final PartitionDescription p = partitions.get(random.nextInt(partitions.size()));
        final List<Integer> spare = new ArrayList<>();
        context.cluster().nodes().forEach(n -> {
            if (!p.replicas().contains(n.id())) {
                spare.add(n.id());
            }
        });
        final int leaving = random.nextBoolean() && p.leader() >= 0 ? p.leader()
            : p.replicas().get(random.nextInt(p.replicas().size()));
        final int joining = spare.get(random.nextInt(spare.size()));
        final List<Integer> target = new ArrayList<>(p.replicas());
        target.set(target.indexOf(leaving), joining);
        final TopicPartition tp = new TopicPartition(context.topic(), p.partition());
        final String description = tp + " replicas " + p.replicas() + " -> " + target + " (leader " + p.leader() + ")";
        return new Fault(description, List.of("node-" + leaving, "node-" + joining), Set.of(tp),
            () -> request(context, tp, target), () -> awaitMoved(context, tp, target));
    }

    private static void request(final NemesisContext context, final TopicPartition tp, final List<Integer> target) {
        try {
            context.admin().reassignPartitions(Map.of(tp, target)).get(30, TimeUnit.SECONDS);
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("reassignment of " + tp + " to " + target + " refused: " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reassigning " + tp, e);
        }
    }

    private static void awaitMoved(final NemesisContext context, final TopicPartition tp, final List<Integer> target) {
        await(tp + " moved to " + target).atMost(MOVE_TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() ->
            context.partitions().stream().anyMatch(p -> p.partition() == tp.partition()
                && Set.copyOf(p.replicas()).equals(Set.copyOf(target)) && p.addingReplicas().isEmpty()
                && p.removingReplicas().isEmpty()));
        LOG.info("partition={} moved to {}", tp, target);
    }
}
