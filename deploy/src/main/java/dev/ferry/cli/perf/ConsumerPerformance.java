package dev.ferry.cli.perf;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.RebalanceListener;

import java.io.PrintWriter;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run of {@code ferry perf consume}, measured as Kafka's ConsumerPerformance measures: poll until the expected
 * number of records arrived (or none arrived for the idle timeout), counting records and key + value bytes. Time
 * to join the group (or to position the assigned partitions) is reported apart from fetch time, and the run ends
 * at the last record received, not at the idle timeout.
 *
 * <p>Not thread-safe: one run, from one thread (the consumer's).
 */
final class ConsumerPerformance {
    private static final Duration POLL = Duration.ofMillis(100);

    private final String topic;
    private final long messages;
    private final PrintWriter progress;
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private long windowRecords;
    private long windowBytes;
    private long windowStartNs;

    /**
     * @param topic what to read
     * @param messages how many records to read
     * @param progress where progress lines go
     */
    ConsumerPerformance(final String topic, final long messages, final PrintWriter progress) {
        this.topic = topic;
        this.messages = messages;
        this.progress = progress;
    }

    /**
     * @param settings consumer settings; with group.id the topic is subscribed, else every partition assigned
     * @param partitions the topic's partition count (used without a group)
     * @param fromBeginning start at the log start (else at the end: only records produced from now on)
     * @param idleTimeoutMs give up when no record arrives for this long
     * @param reportingIntervalMs time between progress lines
     * @return the run's figures
     */
    Result run(final Map<String, Object> settings, final int partitions, final boolean fromBeginning,
               final long idleTimeoutMs, final long reportingIntervalMs) {
        final long startMs = System.currentTimeMillis();
        final long startNs = System.nanoTime();
        windowStartNs = startNs;
        final boolean grouped = settings.containsKey("group.id");
        long joinedNs = -1;
        long lastRecordNs = startNs;
        final long[] assignedAtNs = {-1};
        final Reporter reporter = new Reporter(reportingIntervalMs, this::report);
        try (FerryConsumer consumer = new FerryConsumer(settings)) {
            if (grouped) {
                consumer.subscribe(List.of(topic), new RebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(final Collection<TopicPartition> revoked) {
                    }

                    @Override
                    public void onPartitionsAssigned(final Collection<TopicPartition> assigned) {
                        if (assignedAtNs[0] < 0 && !assigned.isEmpty()) {
                            assignedAtNs[0] = System.nanoTime();
                        }
                    }
                });
            } else {
                final List<TopicPartition> all = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    all.add(new TopicPartition(topic, p));
                }
                consumer.assign(all);
                if (fromBeginning) {
                    consumer.seekToBeginning(all);
                } else {
                    consumer.seekToEnd(all);
                }
                all.forEach(consumer::position);
                joinedNs = System.nanoTime();
            }
            while (records.get() < messages && System.nanoTime() - lastRecordNs < idleTimeoutMs * 1_000_000L) {
                final ConsumerRecords polled = consumer.poll(POLL);
                if (polled.isEmpty()) {
                    continue;
                }
                long b = 0;
                for (final ConsumerRecord r : polled) {
                    b += (r.key() == null ? 0 : r.key().length) + (r.value() == null ? 0 : r.value().length);
                }
                bytes.addAndGet(b);
                records.addAndGet(polled.count());
                lastRecordNs = System.nanoTime();
            }
        } finally {
            reporter.stop();
        }
        if (grouped) {
            joinedNs = assignedAtNs[0] < 0 ? lastRecordNs : assignedAtNs[0];
        }
        final long endMs = startMs + (lastRecordNs - startNs) / 1_000_000;
        return new Result(records.get(), bytes.get(), startMs, endMs, (joinedNs - startNs) / 1_000_000);
    }

    private void report() {
        final long now = System.nanoTime();
        final long r = records.get();
        final long b = bytes.get();
        final double seconds = Math.max(1e-9, (now - windowStartNs) / 1e9);
        progress.println(String.format(Locale.ROOT, "%d records consumed, %.1f records/sec (%.2f MB/sec).",
            r - windowRecords, (r - windowRecords) / seconds, LatencyStats.mb(b - windowBytes) / seconds));
        progress.flush();
        windowRecords = r;
        windowBytes = b;
        windowStartNs = now;
    }

    /**
     * The figures of a run, in Kafka's columns.
     *
     * @param records records read
     * @param bytes key and value bytes read
     * @param startMs wall-clock start
     * @param endMs wall-clock time of the last record
     * @param rebalanceMs time to join the group and get partitions (or to position them without a group)
     */
    record Result(long records, long bytes, long startMs, long endMs, long rebalanceMs) {
        /** Kafka's header line. */
        static final String HEADER = "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
            + "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

        private double seconds() {
            return Math.max(1e-3, (endMs - startMs) / 1000.0);
        }

        long fetchMs() {
            return Math.max(0, endMs - startMs - rebalanceMs);
        }

        private double fetchSeconds() {
            return Math.max(1e-3, fetchMs() / 1000.0);
        }

        /** @return the values under {@link #HEADER} */
        String text() {
            final SimpleDateFormat f = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS", Locale.ROOT);
            return String.format(Locale.ROOT, "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f",
                f.format(new Date(startMs)), f.format(new Date(endMs)), LatencyStats.mb(bytes),
                LatencyStats.mb(bytes) / seconds(), records, records / seconds(), rebalanceMs, fetchMs(),
                LatencyStats.mb(bytes) / fetchSeconds(), records / fetchSeconds());
        }

        /** @return the same figures as one JSON object */
        String json(final String topic) {
            return new JsonSummary().put("tool", "consume").put("topic", topic).put("records", records)
                .put("bytes", bytes).put("elapsed_ms", endMs - startMs).put("mb", LatencyStats.mb(bytes))
                .put("mb_per_sec", LatencyStats.mb(bytes) / seconds()).put("records_per_sec", records / seconds())
                .put("rebalance_ms", rebalanceMs).put("fetch_ms", fetchMs())
                .put("fetch_mb_per_sec", LatencyStats.mb(bytes) / fetchSeconds())
                .put("fetch_records_per_sec", records / fetchSeconds()).toString();
        }
    }
}
