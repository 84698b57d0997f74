package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Damages one replica's data while its node is down, as a bad disk or a broken copy would: the node is killed
 * (kill -9), bits are flipped in the middle of a partition's first segment of the workload's topic, or the
 * segment is cut short, and the node is started again when healed. Ferry must find it by CRC at start and
 * rebuild the replica from the others, with nothing acknowledged lost and every replica identical afterwards.
 */
public final class DamageSegment implements Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(DamageSegment.class);

    @Override
    public String name() {
        return "damage-segment";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.DATA_CORRUPTION;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final ChaosNode victim = context.cluster().randomNode(random);
        // A partition the victim holds a replica of (partition 0 when the cluster does not answer: in a 3-node
        // cluster every node holds every partition).
        final List<Integer> held = context.heldBy(victim);
        final int partition = held.isEmpty() ? 0 : held.get(random.nextInt(held.size()));
        final String file = context.firstSegmentPath(partition);
        final boolean cut = random.nextBoolean();
        final long seed = random.nextLong();
        final String what = (cut ? "cut short " : "flip bits in ") + context.topic() + "-" + partition
            + "'s first segment on " + victim.name();
        return new Fault("kill -9 " + victim.name() + ", " + what, List.of(victim.name()),
            NemesisContext.ledBy(List.of(victim), context.leaders()), () -> {
                victim.kill();
                final byte[] segment = victim.readFile(file);
                victim.writeFile(file, cut ? cutShort(segment, new Random(seed)) : flipBits(segment,
                    new Random(seed)));
                LOG.info("{}: {} bytes -> {}", what, segment.length, cut ? "cut" : "bits flipped");
            }, victim::startIfStopped);
    }

    /** Flips one bit in each of a few bytes of the middle third, where batches written long ago lie. */
    static byte[] flipBits(final byte[] segment, final Random random) {
        final byte[] damaged = segment.clone();
        if (damaged.length < 3) {
            return damaged;
        }
        final int third = damaged.length / 3;
        for (int i = 0; i < 8; i++) {
            final int at = third + random.nextInt(third);
            damaged[at] ^= (byte) (1 << random.nextInt(8));
        }
        return damaged;
    }

    /** Cuts the file at a random point of its middle third, mid-batch most likely. */
    static byte[] cutShort(final byte[] segment, final Random random) {
        if (segment.length < 3) {
            return new byte[0];
        }
        final int third = segment.length / 3;
        return Arrays.copyOf(segment, third + random.nextInt(third));
    }
}
