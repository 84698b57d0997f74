package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * kill -9 of one node, restarted on its data when healed: a random node, or the leader of a random partition
 * of the workload's topic (the fault that costs producers an election).
 */
public final class KillNode implements Nemesis {
    private final boolean leaderOnly;

    /**
     * @param leaderOnly true to kill the leader of a random partition, false for any node
     */
    public KillNode(final boolean leaderOnly) {
        this.leaderOnly = leaderOnly;
    }

    @Override
    public String name() {
        return leaderOnly ? "kill-leader" : "kill-node";
    }

    @Override
    public FaultKind kind() {
        return leaderOnly ? FaultKind.LEADER_KILL : FaultKind.NODE_KILL;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final Map<TopicPartition, Integer> leaders = context.leaders();
        ChaosNode target = context.cluster().randomNode(random);
        String why = "";
        if (leaderOnly && !leaders.isEmpty()) {
            final List<TopicPartition> partitions = new ArrayList<>(leaders.keySet());
            final TopicPartition tp = partitions.get(random.nextInt(partitions.size()));
            target = context.cluster().node(leaders.get(tp));
            why = " (leader of " + tp + ")";
        }
        final ChaosNode victim = target;
        return new Fault("kill -9 " + victim.name() + why, List.of(victim.name()),
            NemesisContext.ledBy(List.of(victim), leaders), victim::kill, victim::startIfStopped);
    }
}
