package dev.ferry.cli.perf;

import dev.ferry.client.producer.Callback;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of {@code ferry perf produce}, measured as Kafka's ProducerPerformance measures: records are sent as
 * fast as the producer takes them (or paced by a {@link ThroughputThrottler}), and each record's latency runs from
 * just before {@code send} to its acknowledgement. The payload is generated once from a fixed seed (random
 * upper-case letters, as Kafka does) and the same array is sent every time: the producer copies it into its batch
 * during {@code send}, so the loop allocates only what the API takes, a record and its callback.
 *
 * <p>Not thread-safe: one run, from one thread.
 */
final class ProducerPerformance {
    /** Failures printed one by one; the rest are only counted. */
    private static final int ERRORS_SHOWN = 5;

    private final String topic;
    private final long numRecords;
    private final LatencyStats stats;
    private final byte[] payload;
    private final RecordLog recordLog;
    private final PrintWriter progress;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Thread sendingThread;
    private volatile Exception fatal;

    /**
     * @param topic where to send
     * @param numRecords how many records
     * @param recordSize bytes of each value
     * @param recordLog where acknowledged records are logged, or null
     * @param progress where progress and error lines go
     */
    ProducerPerformance(final String topic, final long numRecords, final int recordSize, final RecordLog recordLog,
                        final PrintWriter progress) {
        this.topic = topic;
        this.numRecords = numRecords;
        this.recordLog = recordLog;
        this.progress = progress;
        this.payload = randomPayload(recordSize);
        this.stats = new LatencyStats(recordSize, System.nanoTime());
    }

    private static byte[] randomPayload(final int size) {
        final SplittableRandom random = new SplittableRandom(0);
        final byte[] p = new byte[size];
        for (int i = 0; i < size; i++) {
            p[i] = (byte) ('A' + random.nextInt(26));
        }
        return p;
    }

    /**
     * Sends every record, waits for every acknowledgement, and closes the producer.
     *
     * @param settings producer settings
     * @param throughput records per second, or -1 for no limit
     * @param reportingIntervalMs time between two progress lines
     * @return the run's figures
     * @throws Exception when a send fails before its record is buffered (no metadata, no buffer memory within
     *         max.block.ms): the cluster is unusable, so the run stops
     */
    Result run(final Map<String, Object> settings, final double throughput, final long reportingIntervalMs)
        throws Exception {
        sendingThread = Thread.currentThread();
        final long startNs = System.nanoTime();
        final ThroughputThrottler throttler = new ThroughputThrottler(throughput, startNs);
        final long endNs;
        try (FerryProducer producer = new FerryProducer(settings)) {
            final Reporter reporter = new Reporter(reportingIntervalMs, this::report);
            try {
                for (long i = 0; i < numRecords; i++) {
                    throttler.acquire();
                    final byte[] key = recordLog == null ? null
                        : Long.toString(i).getBytes(StandardCharsets.US_ASCII);
                    producer.send(new ProducerRecord(topic, key, payload), new Ack(System.nanoTime(), i));
                    if (fatal != null) {
                        throw fatal;
                    }
                }
                producer.flush();
                endNs = System.nanoTime();
            } finally {
                reporter.stop();
            }
        }
        stats.takeWindow(System.nanoTime(), "sent");
        if (recordLog != null) {
            recordLog.flush();
        }
        return new Result(acked.get(), failed.get(), endNs - startNs, stats.recordBytes(), stats.total());
    }

    private void report() {
        progress.println(stats.takeWindow(System.nanoTime(), "sent"));
        progress.flush();
        if (recordLog != null) {
            recordLog.flush();
        }
    }

    private void onFailure(final long seq, final Exception e) {
        final long n = failed.incrementAndGet();
        if (Thread.currentThread() == sendingThread) {
            fatal = e;
        } else if (n <= ERRORS_SHOWN) {
            progress.println("error: record " + seq + " failed: " + e.getMessage());
        }
    }

    /** Told of one record's outcome on the producer's sender thread: records latency, logs the record. */
    private final class Ack implements Callback {
        private final long sendNs;
        private final long seq;

        Ack(final long sendNs, final long seq) {
            this.sendNs = sendNs;
            this.seq = seq;
        }

        @Override
        public void onCompletion(final RecordMetadata metadata, final Exception exception) {
            if (exception != null) {
                onFailure(seq, exception);
                return;
            }
            stats.record(System.nanoTime() - sendNs);
            acked.incrementAndGet();
            if (recordLog != null) {
                recordLog.append(metadata.partition(), metadata.offset(), seq);
            }
        }
    }

    /**
     * The figures of a run.
     *
     * @param acked records acknowledged
     * @param failed records whose send failed
     * @param elapsedNs from the first send to the last acknowledgement
     * @param recordBytes bytes of one value
     * @param latencies send-to-acknowledgement latencies in microseconds
     */
    record Result(long acked, long failed, long elapsedNs, int recordBytes, Histogram latencies) {
        double recordsPerSec() {
            return acked / seconds();
        }

        double mbPerSec() {
            return LatencyStats.mb(acked * (long) recordBytes) / seconds();
        }

        private double seconds() {
            return Math.max(1e-9, elapsedNs / 1e9);
        }

        /** @return Kafka's final line: rate, MB/s, average, maximum and percentile latencies */
        String text() {
            return String.format(Locale.ROOT, "%d records sent, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, "
                    + "%.2f ms max latency, %.1f ms 50th, %.1f ms 95th, %.1f ms 99th, %.1f ms 99.9th.%s", acked,
                recordsPerSec(), mbPerSec(), LatencyStats.meanMs(latencies), LatencyStats.maxMs(latencies),
                LatencyStats.ms(latencies, 50), LatencyStats.ms(latencies, 95), LatencyStats.ms(latencies, 99),
                LatencyStats.ms(latencies, 99.9), failed == 0 ? "" : " " + failed + " records failed.");
        }

        /** @return the same figures as one JSON object */
        String json(final String topic) {
            return new JsonSummary().put("tool", "produce").put("topic", topic).put("records", acked)
                .put("failed", failed).put("record_size", recordBytes).put("elapsed_ms", elapsedNs / 1_000_000)
                .put("records_per_sec", recordsPerSec()).put("mb_per_sec", mbPerSec())
                .put("avg_latency_ms", LatencyStats.meanMs(latencies))
                .put("max_latency_ms", LatencyStats.maxMs(latencies))
                .put("p50_ms", LatencyStats.ms(latencies, 50)).put("p95_ms", LatencyStats.ms(latencies, 95))
                .put("p99_ms", LatencyStats.ms(latencies, 99)).put("p999_ms", LatencyStats.ms(latencies, 99.9))
                .toString();
        }
    }
}
