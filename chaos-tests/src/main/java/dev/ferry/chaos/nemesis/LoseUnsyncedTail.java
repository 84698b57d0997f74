package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.history.FaultKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A node loses what it had not fsynced, as in a power failure of its machine: it is killed (kill -9) and the tail
 * of every partition segment it holds of the workload's topic is cut by a random amount, up to
 * {@link #MAX_LOST_BYTES}, then it is started when healed. A container kill keeps the page cache, so the cut is
 * made by hand, as far as the platform allows; the Raft log keeps its entries, which is what a lost data write
 * behind a synced Raft entry looks like. Ferry must notice the missing tail at start and rebuild those replicas
 * from the others, with nothing acknowledged lost (the majority holds it).
 */
public final class LoseUnsyncedTail implements Nemesis {
    /** The most a tail loses: a few flush intervals' worth at the workload's rate. */
    static final int MAX_LOST_BYTES = 256 << 10;
    private static final Logger LOG = LoggerFactory.getLogger(LoseUnsyncedTail.class);

    @Override
    public String name() {
        return "lose-unsynced-tail";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.UNSYNCED_LOSS;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final ChaosNode victim = context.cluster().randomNode(random);
        final List<Integer> held = context.heldBy(victim);
        final long seed = random.nextLong();
        return new Fault("kill -9 " + victim.name() + ", cut the unsynced tail of its " + held.size() + " segments",
            List.of(victim.name()), NemesisContext.ledBy(List.of(victim), context.leaders()), () -> {
                victim.kill();
                final Random cuts = new Random(seed);
                for (final int p : held) {
                    final String file = context.firstSegmentPath(p);
                    final byte[] segment = victim.readFile(file);
                    final byte[] cut = loseTail(segment, cuts);
                    victim.writeFile(file, cut);
                    LOG.info("{} {}-{}: {} of {} bytes lost", victim.name(), context.topic(), p,
                        segment.length - cut.length, segment.length);
                }
            }, victim::startIfStopped);
    }

    /** Cuts 1 to {@link #MAX_LOST_BYTES} bytes (at most half the file) off the end. */
    static byte[] loseTail(final byte[] segment, final Random random) {
        final int most = Math.min(MAX_LOST_BYTES, segment.length / 2);
        if (most < 1) {
            return segment.clone();
        }
        return Arrays.copyOf(segment, segment.length - 1 - random.nextInt(most));
    }
}
