package dev.ferry.cli.perf;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces a sender to a target rate, as Kafka's {@code ThroughputThrottler} does for its perf tools: record n is
 * due {@code n / rate} seconds after the start, and the sender parks while it is ahead of that schedule. A sender
 * that fell behind (the cluster was slower) is not made to catch up in a burst beyond one second's worth, so a
 * stall does not turn into a spike of load afterwards.
 *
 * <p>Not thread-safe: one sending thread.
 */
final class ThroughputThrottler {
    /** Unthrottled, as Kafka's {@code --throughput -1}. */
    static final double UNLIMITED = -1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double recordsPerSecond;
    private final long periodNs;
    private long startNs;
    private long paced;

    /**
     * @param recordsPerSecond the target rate; any value &lt;= 0 means no limit
     * @param startNs {@link System#nanoTime()} when sending began
     */
    ThroughputThrottler(final double recordsPerSecond, final long startNs) {
        this.recordsPerSecond = recordsPerSecond;
        this.periodNs = recordsPerSecond > 0 ? Math.max(1, (long) (NANOS_PER_SECOND / recordsPerSecond)) : 0;
        this.startNs = startNs;
    }

    /** @return whether a rate was set */
    boolean limited() {
        return recordsPerSecond > 0;
    }

    /**
     * Parks until the next record is due; returns at once when unthrottled or behind schedule.
     */
    void acquire() {
        if (periodNs == 0) {
            return;
        }
        long now = System.nanoTime();
        final long due = startNs + paced * periodNs;
        if (now - due > NANOS_PER_SECOND) {
            // Far behind: restart the schedule from now rather than bursting to catch up.
            startNs = now - paced * periodNs;
        }
        while (due - now > 0) {
            LockSupport.parkNanos(due - now);
            now = System.nanoTime();
        }
        paced++;
    }
}
