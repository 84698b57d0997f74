package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.history.FaultKind;
import dev.ferry.client.admin.PartitionDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A storm of leadership transfers: while in force, every few hundred milliseconds one random partition's
 * leadership is moved to a random other replica through the admin API, while producers write to it.
 */
public final class LeadershipStorm implements Nemesis {
    private static final Logger LOG = LoggerFactory.getLogger(LeadershipStorm.class);
    private static final long PERIOD_MS = 400;

    @Override
    public String name() {
        return "leadership-storm";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.LEADERSHIP_TRANSFER;
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        // Its own random source, seeded from the run's: the storm's thread must not race the scheduler's draws.
        final Random own = new Random(random.nextLong());
        final ScheduledExecutorService storm = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "chaos-leadership-storm");
            t.setDaemon(true);
            return t;
        });
        final Runnable start = () -> storm.scheduleWithFixedDelay(() -> moveOne(context, own), 0, PERIOD_MS,
            TimeUnit.MILLISECONDS);
        return new Fault("leadership transfers every " + PERIOD_MS + " ms", List.of(), Set.of(), start, () -> {
            storm.shutdownNow();
            try {
                storm.awaitTermination(30, TimeUnit.SECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private static void moveOne(final NemesisContext context, final Random random) {
        final List<PartitionDescription> partitions = context.partitions();
        if (partitions.isEmpty()) {
            return;
        }
        final PartitionDescription p = partitions.get(random.nextInt(partitions.size()));
        final List<Integer> others = p.replicas().stream().filter(r -> r != p.leader()).toList();
        if (others.isEmpty()) {
            return;
        }
        final int target = others.get(random.nextInt(others.size()));
        try {
            context.admin().transferLeadership(context.topic(), p.partition(), target).get(10, TimeUnit.SECONDS);
            LOG.info("partition={}-{} leadership moved {} -> {}", context.topic(), p.partition(), p.leader(), target);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final Exception e) {
            // Refusals (target not caught up) and timeouts are part of a storm; the next move tries another.
            LOG.info("partition={}-{} leadership move to {} failed: {}", context.topic(), p.partition(), target,
                e.toString());
        }
    }
}
