package dev.ferry.node.replica;

import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Moves every leadership of this node to other replicas before the node stops (a controlled shutdown, as
 * Kafka's), so that producers see a leader change instead of an election timeout. Transfers run in parallel
 * and the whole drain is bounded by a timeout: a partition whose transfer fails is left to the election
 * that follows the node's exit.
 */
public final class LeadershipDrainer {
    private static final Logger LOG = LoggerFactory.getLogger(LeadershipDrainer.class);

    private final RaftServerHost host;
    private final Function<PartitionId, List<Integer>> replicas;

    /**
     * @param host the node's Raft server
     * @param replicas a partition's assigned replicas, preferred leader first
     */
    public LeadershipDrainer(final RaftServerHost host, final Function<PartitionId, List<Integer>> replicas) {
        this.host = host;
        this.replicas = replicas;
    }

    /**
     * @param timeoutMs the longest the whole drain may take
     * @return how many leaderships were moved
     */
    public int drain(final long timeoutMs) {
        final List<PartitionId> led = new ArrayList<>();
        for (final PartitionId p : host.partitions()) {
            final PartitionStateMachine sm = host.stateMachine(p);
            if (sm != null && sm.isLeader()) {
                led.add(p);
            }
        }
        if (led.isEmpty()) {
            return 0;
        }
        final ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, led.size()), r -> {
            final Thread t = new Thread(r, "ferry-drain-" + host.nodeId());
            t.setDaemon(true);
            return t;
        });
        final List<CompletableFuture<Boolean>> moves = new ArrayList<>();
        for (final PartitionId p : led) {
            moves.add(CompletableFuture.supplyAsync(() -> move(p, timeoutMs), pool));
        }
        int moved = 0;
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (final CompletableFuture<Boolean> m : moves) {
            try {
                if (m.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    moved++;
                }
            } catch (final TimeoutException e) {
                break;
            } catch (final Exception e) {
                LOG.warn("node={} leadership drain failed: {}", host.nodeId(), e.toString());
            }
        }
        pool.shutdownNow();
        LOG.info("node={} moved {} of {} leaderships before stopping", host.nodeId(), moved, led.size());
        return moved;
    }

    private boolean move(final PartitionId p, final long timeoutMs) {
        for (final int candidate : replicas.apply(p)) {
            final String id = Integer.toString(candidate);
            if (id.equals(host.nodeId())) {
                continue;
            }
            try {
                host.transferLeadership(p, id, timeoutMs);
                LOG.info("partition={} node={} leadership moved to node={} before stopping", p, host.nodeId(), id);
                return true;
            } catch (final Exception e) {
                LOG.warn("partition={} node={} could not move leadership to node={}: {}", p, host.nodeId(), id,
                    e.toString());
            }
        }
        return false;
    }
}
