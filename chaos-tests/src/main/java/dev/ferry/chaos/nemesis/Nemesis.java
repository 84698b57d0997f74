package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.history.FaultKind;

import java.util.Random;

/**
 * One kind of fault a chaos run applies. A nemesis decides its targets from the run's seeded random source, so
 * a printed seed replays the same schedule of choices.
 */
public interface Nemesis {
    /** @return a short name for logs and reports, e.g. {@code kill-leader} */
    String name();

    /** @return the kind the history records */
    FaultKind kind();

    /**
     * @param context the cluster and what the nemesis may ask of it
     * @return whether this nemesis can run here (e.g. a bridge needs 5 nodes, iptables needs root)
     */
    default boolean applicable(final NemesisContext context) {
        return true;
    }

    /**
     * Chooses the fault's targets; the scheduler records it, injects it, holds it for a while, then heals it.
     *
     * @param context the cluster
     * @param random the run's seeded random source
     * @return the planned fault
     */
    Fault plan(NemesisContext context, Random random);
}
