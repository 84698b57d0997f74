package dev.ferry.cli.perf;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.producer.Callback;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import org.HdrHistogram.Histogram;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One run of {@code ferry perf e2e}: a producer sends to one partition at a fixed rate while a consumer of that
 * partition, positioned at its end beforehand, reads the records back; each record's latency runs from just before
 * {@code send} to the moment the consumer's poll returns it. The send time ({@link System#nanoTime()}, both ends
 * are in this JVM) travels in the first 8 bytes of the value, written into the one reused payload array before
 * each send (the producer copies the value during {@code send}). Kafka's EndToEndLatency sends one record at a
 * time and waits for it; a fixed rate measures latency under a known load instead, and rate 1 per round trip
 * gives Kafka's figure.
 *
 * <p>Not thread-safe: one run; the producer gets a thread of its own, the consumer stays on the caller's.
 */
final class EndToEndLatency {
    /** The send time at the head of every value. */
    static final int MIN_RECORD_SIZE = Long.BYTES;
    private static final Duration POLL = Duration.ofMillis(100);

    private final TopicPartition partition;
    private final long numRecords;
    private final int recordSize;
    private final PrintWriter progress;
    private final AtomicLong received = new AtomicLong();
    private final AtomicReference<Exception> producerFailure = new AtomicReference<>();
    /** One callback for every record: only failures matter here, latency is taken at the consumer. */
    private final Callback onAck = (metadata, e) -> {
        if (e != null) {
            producerFailure.compareAndSet(null, e);
        }
    };
    private LatencyStats stats;

    /**
     * @param partition where records go and come from
     * @param numRecords records to send
     * @param recordSize bytes of each value, at least {@link #MIN_RECORD_SIZE}
     * @param progress where progress lines go
     */
    EndToEndLatency(final TopicPartition partition, final long numRecords, final int recordSize,
                    final PrintWriter progress) {
        this.partition = partition;
        this.numRecords = numRecords;
        this.recordSize = recordSize;
        this.progress = progress;
    }

    /**
     * @param producerSettings producer settings
     * @param consumerSettings consumer settings (no group: the partition is assigned)
     * @param throughput records per second
     * @param idleTimeoutMs give up when no record arrives for this long
     * @param reportingIntervalMs time between progress lines
     * @return the run's figures
     * @throws Exception when the producer failed
     */
    Result run(final Map<String, Object> producerSettings, final Map<String, Object> consumerSettings,
               final double throughput, final long idleTimeoutMs, final long reportingIntervalMs) throws Exception {
        try (FerryConsumer consumer = new FerryConsumer(consumerSettings);
             FerryProducer producer = new FerryProducer(producerSettings)) {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            final long startNs = System.nanoTime();
            stats = new LatencyStats(recordSize, startNs);
            final Thread sender = new Thread(() -> send(producer, throughput), "ferry-perf-e2e-producer");
            sender.setDaemon(true);
            sender.start();
            long lastNs = startNs;
            final Reporter reporter = new Reporter(reportingIntervalMs, this::report);
            try {
                while (received.get() < numRecords && System.nanoTime() - lastNs < idleTimeoutMs * 1_000_000L
                    && producerFailure.get() == null) {
                    final ConsumerRecords polled = consumer.poll(POLL);
                    final long now = System.nanoTime();
                    for (final ConsumerRecord r : polled) {
                        stats.record(now - ByteBuffer.wrap(r.value()).getLong(0));
                        lastNs = now;
                    }
                    received.addAndGet(polled.count());
                }
            } finally {
                reporter.stop();
            }
            sender.join(idleTimeoutMs);
            if (producerFailure.get() != null) {
                throw producerFailure.get();
            }
            stats.takeWindow(System.nanoTime(), "received");
            return new Result(received.get(), numRecords, (lastNs - startNs), stats.total());
        }
    }

    private void send(final FerryProducer producer, final double throughput) {
        final byte[] payload = new byte[recordSize];
        final ByteBuffer head = ByteBuffer.wrap(payload);
        final ThroughputThrottler throttler = new ThroughputThrottler(throughput, System.nanoTime());
        try {
            for (long i = 0; i < numRecords; i++) {
                throttler.acquire();
                head.putLong(0, System.nanoTime());
                producer.send(new ProducerRecord(partition.topic(), partition.partition(), null, payload), onAck);
            }
            producer.flush();
        } catch (final RuntimeException e) {
            producerFailure.compareAndSet(null, e);
        }
    }

    private void report() {
        progress.println(stats.takeWindow(System.nanoTime(), "received"));
        progress.flush();
    }

    /**
     * The figures of a run.
     *
     * @param received records read back
     * @param sent records sent
     * @param elapsedNs from the start to the last record read
     * @param latencies send-to-receive latencies in microseconds
     */
    record Result(long received, long sent, long elapsedNs, Histogram latencies) {
        /** @return Kafka's two lines (average, percentiles), with the rate and maximum */
        String text() {
            return String.format(Locale.ROOT, "%d records received of %d sent, %.1f records/sec.%n"
                    + "Avg latency: %.4f ms%nPercentiles: 50th = %.2f, 99th = %.2f, 99.9th = %.2f, max = %.2f (ms)",
                received, sent, received / Math.max(1e-9, elapsedNs / 1e9), LatencyStats.meanMs(latencies),
                LatencyStats.ms(latencies, 50), LatencyStats.ms(latencies, 99), LatencyStats.ms(latencies, 99.9),
                LatencyStats.maxMs(latencies));
        }

        /** @return the same figures as one JSON object */
        String json(final TopicPartition tp) {
            return new JsonSummary().put("tool", "e2e").put("topic", tp.topic()).put("partition", tp.partition())
                .put("records", received).put("sent", sent).put("elapsed_ms", elapsedNs / 1_000_000)
                .put("avg_latency_ms", LatencyStats.meanMs(latencies)).put("p50_ms", LatencyStats.ms(latencies, 50))
                .put("p99_ms", LatencyStats.ms(latencies, 99)).put("p999_ms", LatencyStats.ms(latencies, 99.9))
                .put("max_latency_ms", LatencyStats.maxMs(latencies)).toString();
        }
    }
}
