package dev.ferry.cli.perf;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a perf run's progress report every interval on a daemon thread of its own, so that a line appears on time
 * even while no acknowledgement arrives (a stalled cluster shows as "0 records sent"), unlike Kafka's tools, which
 * print from the callback. Not thread-safe: started and stopped by the run's thread.
 */
final class Reporter {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        final Thread t = new Thread(r, "ferry-perf-reporter");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param intervalMs time between two reports
     * @param report prints one report; runs on the reporter's thread
     */
    Reporter(final long intervalMs, final Runnable report) {
        timer.scheduleAtFixedRate(report, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    /** Stops reporting and waits for a report in progress, so the caller may take the final figures. */
    void stop() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
