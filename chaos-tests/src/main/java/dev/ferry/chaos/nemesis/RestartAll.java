package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;

import java.util.List;
import java.util.Random;

/**
 * kill -9 of every node at once (a power loss of the whole cluster, minus the page cache, which the host keeps),
 * then every node started again on its data when healed: the cluster must come back with everything it
 * acknowledged.
 */
public final class RestartAll implements Nemesis {
    @Override
    public String name() {
        return "restart-all";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.RESTART_ALL;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final List<ChaosNode> nodes = context.cluster().nodes();
        final var led = NemesisContext.ledBy(nodes, context.leaders());
        return new Fault("kill -9 every node, then start them", nodes.stream().map(ChaosNode::name).toList(),
            led, () -> nodes.forEach(ChaosNode::kill), () -> nodes.forEach(ChaosNode::startIfStopped));
    }
}
