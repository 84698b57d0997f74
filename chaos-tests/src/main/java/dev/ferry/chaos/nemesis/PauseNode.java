package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;

import java.util.List;
import java.util.Random;

/**
 * Freezes a random node (docker pause) and thaws it when healed: its peers and clients see connections that
 * accept bytes and never answer, the fault that catches missing timeouts; when it thaws, a former leader wakes up
 * believing it still leads.
 */
public final class PauseNode implements Nemesis {
    @Override
    public String name() {
        return "pause-node";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.NODE_PAUSE;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final ChaosNode victim = context.cluster().randomNode(random);
        final var led = NemesisContext.ledBy(List.of(victim), context.leaders());
        return new Fault("pause " + victim.name(), List.of(victim.name()), led, victim::pause, () -> {
            if (victim.isPaused()) {
                victim.unpause();
            }
        });
    }
}
