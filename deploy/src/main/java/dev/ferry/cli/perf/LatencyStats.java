package dev.ferry.cli.perf;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Locale;

/**
 * Latencies and counts of one perf run, recorded by the client's threads and read by the reporting thread: a
 * wait-free HdrHistogram {@link Recorder} (microseconds, 3 significant digits) swapped out once per reporting
 * window, so recording a sample costs a few atomic operations and no allocation. Every record has the same size,
 * so bytes are count x size. The window's samples are added to the run's total histogram when it is taken.
 *
 * <p>Thread-safe for {@link #record}; {@link #takeWindow} and {@link #total} belong to one reporting thread.
 */
final class LatencyStats {
    private static final double BYTES_PER_MB = 1024.0 * 1024.0;
    private static final double MICROS_PER_MS = 1000.0;

    private final Recorder recorder = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private final int recordBytes;
    private Histogram window;
    private long windowStartNs;

    /**
     * @param recordBytes bytes of one record, for MB/s
     * @param startNs when the run started ({@link System#nanoTime()})
     */
    LatencyStats(final int recordBytes, final long startNs) {
        this.recordBytes = recordBytes;
        this.windowStartNs = startNs;
    }

    /** @param latencyNs one record's latency in nanoseconds */
    void record(final long latencyNs) {
        recorder.recordValue(Math.max(0, latencyNs / 1000));
    }

    /**
     * Closes the current window, adds it to the total and describes it in Kafka's progress format.
     *
     * @param nowNs {@link System#nanoTime()}
     * @param verb "sent", "consumed", ...
     * @return "N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency."
     */
    String takeWindow(final long nowNs, final String verb) {
        window = recorder.getIntervalHistogram(window);
        total.add(window);
        final double seconds = Math.max(1e-9, (nowNs - windowStartNs) / 1e9);
        windowStartNs = nowNs;
        final long n = window.getTotalCount();
        return String.format(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, "
                + "%.1f ms max latency.", n, verb, n / seconds, n * (double) recordBytes / BYTES_PER_MB / seconds,
            n == 0 ? 0.0 : window.getMean() / MICROS_PER_MS, window.getMaxValue() / MICROS_PER_MS);
    }

    /** @return every sample up to the last {@link #takeWindow}: take a final window first */
    Histogram total() {
        return total;
    }

    /** @return the size of one record */
    int recordBytes() {
        return recordBytes;
    }

    /**
     * @param h a histogram in microseconds
     * @param percentile e.g. 99.9
     * @return the value at the percentile in milliseconds
     */
    static double ms(final Histogram h, final double percentile) {
        return h.getValueAtPercentile(percentile) / MICROS_PER_MS;
    }

    /** @return the mean of a histogram in microseconds, in milliseconds (0 when empty) */
    static double meanMs(final Histogram h) {
        return h.getTotalCount() == 0 ? 0.0 : h.getMean() / MICROS_PER_MS;
    }

    /** @return the maximum of a histogram in microseconds, in milliseconds */
    static double maxMs(final Histogram h) {
        return h.getMaxValue() / MICROS_PER_MS;
    }

    /** @return megabytes (2^20 bytes, as Kafka's tools count) */
    static double mb(final long bytes) {
        return bytes / BYTES_PER_MB;
    }
}
