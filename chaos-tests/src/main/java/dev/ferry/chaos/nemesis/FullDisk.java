package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.cluster.SmallDisk;
import dev.ferry.chaos.history.FaultKind;

import java.util.List;
import java.util.Random;

/**
 * The disk of one node fills up: every write of the node fails with "no space left on device" (its partition
 * logs, its Raft logs, the metadata group's log) while the rest of the cluster keeps going. Healed as an operator
 * heals it: the space is freed and the node restarted (Kafka, too, takes a log directory offline on a full disk
 * and needs a restart). Ferry must acknowledge nothing it could not store, and lose nothing it acknowledged.
 *
 * <p>Needs a cluster with a {@link SmallDisk} on one node ({@code ChaosCluster.start(..., smallDiskNode, ...)}).
 */
public final class FullDisk implements Nemesis {

    @Override
    public String name() {
        return "full-disk";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.DISK_FULL;
    }

    /** @return whether a node has a small disk (mounting one needs root) */
    @Override
    public boolean applicable(final NemesisContext context) {
        return context.cluster().nodes().stream().anyMatch(n -> n.disk().isPresent());
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final ChaosNode victim = context.cluster().nodes().stream().filter(n -> n.disk().isPresent()).findFirst()
            .orElseThrow(() -> new IllegalStateException("the full-disk fault needs a node with a small disk: "
                + "start the cluster with smallDiskNode"));
        final SmallDisk disk = victim.disk().orElseThrow();
        return new Fault("fill the " + (disk.size() >> 20) + " MiB disk of " + victim.name(),
            List.of(victim.name()), NemesisContext.ledBy(List.of(victim), context.leaders()), disk::fill, () -> {
                disk.free();
                victim.kill();
                victim.start();
            });
    }
}
