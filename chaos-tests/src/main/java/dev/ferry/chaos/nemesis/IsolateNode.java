package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;

import java.util.List;
import java.util.Random;

/**
 * Takes a random node off the cluster's Docker network (docker network disconnect) and puts it back when
 * healed: the node reaches nobody and nobody, clients included, reaches it.
 */
public final class IsolateNode implements Nemesis {
    @Override
    public String name() {
        return "isolate-node";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.NETWORK_PARTITION;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final ChaosNode victim = context.cluster().randomNode(random);
        final var led = NemesisContext.ledBy(List.of(victim), context.leaders());
        return new Fault("disconnect " + victim.name() + " from the network", List.of(victim.name()), led,
            victim::disconnect, () -> {
                if (!victim.isConnected()) {
                    victim.connect();
                }
            });
    }
}
