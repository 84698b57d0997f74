package dev.ferry.chaos.workload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Logs the workload's one-line progress summary: the counters and the acknowledged and read rates since the last
 * line, so a stall under a fault shows in the log as it happens.
 *
 * <p>Run by one scheduler thread.
 */
final class ProgressLine implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressLine.class);

    private final String topic;
    private final Supplier<WorkloadStats> stats;
    private WorkloadStats last;
    private long lastNs = System.nanoTime();

    /**
     * @param topic the workload's topic, for the line
     * @param stats where the counters come from
     */
    ProgressLine(final String topic, final Supplier<WorkloadStats> stats) {
        this.topic = topic;
        this.stats = stats;
        this.last = stats.get();
    }

    @Override
    public void run() {
        final WorkloadStats now = stats.get();
        final long nowNs = System.nanoTime();
        final double seconds = Math.max(1e-3, (nowNs - lastNs) / 1e9);
        LOG.info("workload topic={} {} ackedPerSec={} groupReadsPerSec={}", topic, now.describe(),
            Math.round((now.acked() - last.acked()) / seconds), Math.round((now.groupReads() - last.groupReads())
                / seconds));
        last = now;
        lastNs = nowNs;
    }
}
