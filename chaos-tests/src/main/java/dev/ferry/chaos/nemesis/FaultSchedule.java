package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.history.HistoryRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;

/**
 * Mixes faults on a schedule drawn from a seed: a quiet spell, a fault chosen among the applicable nemeses, held
 * for a while, healed, then a wait until every node is ready again and every replica of the workload's topic in
 * sync; until the run's time is up. The same seed
 * replays the same choices (which nemesis, which node, how long), so a failing run can be run again.
 *
 * <p>Not thread-safe; one run at a time.
 */
public final class FaultSchedule {
    private static final Logger LOG = LoggerFactory.getLogger(FaultSchedule.class);

    private final List<Nemesis> nemeses;
    private final long seed;
    private final Duration quietMin;
    private final Duration quietMax;
    private final Duration holdMin;
    private final Duration holdMax;
    private final Duration recovery;

    /**
     * @param nemeses the faults to mix; those not applicable to the cluster are left out at run time
     * @param seed the seed of every choice
     * @param quietMin shortest spell without a fault
     * @param quietMax longest spell without a fault
     * @param holdMin shortest time a fault stays in force
     * @param holdMax longest time a fault stays in force
     * @param recovery how long every node may take to be ready again after a fault is healed
     */
    public FaultSchedule(final List<Nemesis> nemeses, final long seed, final Duration quietMin,
                         final Duration quietMax, final Duration holdMin, final Duration holdMax,
                         final Duration recovery) {
        if (nemeses.isEmpty()) {
            throw new IllegalArgumentException("a fault schedule needs at least one nemesis");
        }
        if (quietMax.compareTo(quietMin) < 0 || holdMax.compareTo(holdMin) < 0) {
            throw new IllegalArgumentException("a maximum below its minimum: quiet " + quietMin + ".." + quietMax
                + ", hold " + holdMin + ".." + holdMax);
        }
        this.nemeses = List.copyOf(nemeses);
        this.seed = seed;
        this.quietMin = quietMin;
        this.quietMax = quietMax;
        this.holdMin = holdMin;
        this.holdMax = holdMax;
        this.recovery = recovery;
    }

    /**
     * Runs faults until {@code duration} has passed (the last fault is healed even when that takes longer).
     *
     * @param context the cluster
     * @param recorder where fault starts and ends go
     * @param duration how long to run
     * @return one line per fault applied, in order
     * @throws IllegalStateException when the cluster is not ready again within the recovery time after a fault
     */
    public List<String> run(final NemesisContext context, final HistoryRecorder recorder, final Duration duration) {
        final Random random = new Random(seed);
        final List<Nemesis> usable = nemeses.stream().filter(n -> n.applicable(context)).toList();
        if (usable.size() < nemeses.size()) {
            LOG.warn("chaos seed={} runs without {} (not applicable here)", seed,
                nemeses.stream().filter(n -> !usable.contains(n)).map(Nemesis::name).toList());
        }
        LOG.info("chaos seed={} nemeses={} for {} s", seed, usable.stream().map(Nemesis::name).toList(),
            duration.toSeconds());
        final List<String> applied = new ArrayList<>();
        final long deadline = System.nanoTime() + duration.toNanos();
        while (true) {
            pause(between(random, quietMin, quietMax));
            if (System.nanoTime() >= deadline) {
                return applied;
            }
            final Nemesis nemesis = usable.get(random.nextInt(usable.size()));
            final Duration hold = between(random, holdMin, holdMax);
            final Fault fault = nemesis.plan(context, random);
            final String line = nemesis.name() + ": " + fault.description();
            final long id = recorder.faultStarted(nemesis.kind(), line, fault.targets(), fault.ledPartitions());
            LOG.info("chaos fault #{} start: {} (hold {} ms)", applied.size() + 1, line, hold.toMillis());
            try {
                fault.injector().run();
                pause(hold);
            } finally {
                fault.healer().run();
                recorder.faultEnded(id);
            }
            applied.add(line);
            final long healed = System.nanoTime();
            try {
                context.cluster().awaitAllReady(recovery);
            } catch (final RuntimeException e) {
                throw new IllegalStateException("chaos seed=" + seed + ": the cluster was not ready "
                    + recovery.toSeconds() + " s after healing fault #" + applied.size() + " (" + line + ")", e);
            }
            final long ready = System.nanoTime();
            // Then every replica of the workload's topic in sync, as an operator waits for no under-replicated
            // partitions before the next change: a fault that strikes a partition whose third replica is still
            // being rebuilt takes its last majority, and no failover time can be measured from it (Ratis does
            // not count the vote of a replica whose log is empty, rightly: it may lack committed entries).
            final AtomicReference<List<String>> lagging = new AtomicReference<>(List.of());
            try {
                await("every replica in sync").atMost(recovery).pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        lagging.set(context.underReplicated());
                        return lagging.get().isEmpty();
                    });
            } catch (final RuntimeException e) {
                throw new IllegalStateException("chaos seed=" + seed + ": replicas not in sync " + recovery.toSeconds()
                    + " s after healing fault #" + applied.size() + " (" + line + "): " + lagging.get(), e);
            }
            LOG.info("chaos fault #{} healed; every node ready after {} ms, every replica in sync {} ms later",
                applied.size(), (ready - healed) / 1_000_000, (System.nanoTime() - ready) / 1_000_000);
        }
    }

    private static Duration between(final Random random, final Duration min, final Duration max) {
        final long span = max.toMillis() - min.toMillis();
        return min.plusMillis(span == 0 ? 0 : (long) (random.nextDouble() * span));
    }

    /** The schedule's own clock: waiting is what it is for, there is no event to wait on. */
    private static void pause(final Duration d) {
        final long end = System.nanoTime() + d.toNanos();
        for (long left = d.toNanos(); left > 0; left = end - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("chaos schedule interrupted");
            }
        }
    }
}
