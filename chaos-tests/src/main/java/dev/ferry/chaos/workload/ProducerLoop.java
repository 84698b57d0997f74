package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.ChaosValue;
import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.chaos.history.Outcome;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerConfig;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One producer of the workload, on a thread of its own: sends value {@code p<i>-<seq>} to partition
 * {@code seq % partitions} at a steady rate, and records each send before handing it to the client and its
 * outcome in the callback (acknowledged, definitely failed, or unknown: see {@link SendOutcomes}).
 *
 * <p>{@link #run} on one thread; {@link #stop}, {@link #pending} and {@link #close} from any.
 */
final class ProducerLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerLoop.class);
    /** After a send blocked this long (no metadata, no memory), the loop resumes the rate instead of bursting. */
    private static final long MAX_CATCH_UP_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int ID_AND_CRC_OVERHEAD = 2 + 4;

    private final String id;
    private final WorkloadSettings settings;
    private final HistoryRecorder recorder;
    private final WorkloadCounters counters;
    private final FerryProducer producer;
    private final AtomicLong pending = new AtomicLong();
    private volatile boolean running = true;

    /**
     * @param index the producer's index: its id is {@code p<index>}
     * @param bootstrap host:port of the nodes
     * @param settings the workload's settings
     * @param recorder where sends and outcomes go
     * @param counters the workload's counters
     */
    ProducerLoop(final int index, final List<String> bootstrap, final WorkloadSettings settings,
                 final HistoryRecorder recorder, final WorkloadCounters counters) {
        this.id = "p" + index;
        this.settings = settings;
        this.recorder = recorder;
        this.counters = counters;
        final Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS, String.join(",", bootstrap));
        props.put(ProducerConfig.CLIENT_ID, ChaosWorkload.CLIENT_PREFIX + id);
        props.put(ProducerConfig.ACKS, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE, "true");
        props.put(ProducerConfig.COMPRESSION_TYPE, "none");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS, settings.requestTimeoutMs());
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS, settings.deliveryTimeoutMs());
        props.put(ProducerConfig.MAX_BLOCK_MS, settings.maxBlockMs());
        this.producer = new FerryProducer(props);
    }

    /** @return the producer's id, as recorded */
    String id() {
        return id;
    }

    @Override
    public void run() {
        final long intervalNs = TimeUnit.SECONDS.toNanos(1) / settings.recordsPerSecond();
        long seq = 0;
        long next = System.nanoTime();
        while (running) {
            final long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
                continue;
            }
            try {
                sendOne(seq++);
            } catch (final RuntimeException e) {
                LOG.error("producer={} send loop error (continuing)", id, e);
            }
            next += intervalNs;
            final long now = System.nanoTime();
            if (now - next > MAX_CATCH_UP_NS) {
                next = now;
            }
        }
        LOG.info("producer={} stopped after {} sends", id, seq);
    }

    private void sendOne(final long seq) {
        final String valueId = id + "-" + seq;
        final int idBytes = valueId.getBytes(StandardCharsets.UTF_8).length;
        final byte[] value = ChaosValue.encode(valueId, Math.max(0, settings.valueBytes() - idBytes
            - ID_AND_CRC_OVERHEAD));
        final TopicPartition tp = new TopicPartition(settings.topic(), (int) (seq % settings.partitions()));
        recorder.send(id, seq, valueId, tp, value);
        counters.sent.increment();
        pending.incrementAndGet();
        final Thread caller = Thread.currentThread();
        try {
            producer.send(new ProducerRecord(tp.topic(), tp.partition(), null, value),
                (metadata, error) -> onCompletion(valueId, metadata, error, Thread.currentThread() == caller));
        } catch (final RuntimeException e) {
            // Thrown before the record reached a batch (e.g. the producer closed): it never left the process.
            onCompletion(valueId, null, e, true);
        }
    }

    /** On the producer's sender thread, or on this loop's thread when the send failed before buffering. */
    private void onCompletion(final String valueId, final RecordMetadata metadata, final Exception error,
                              final boolean beforeBuffering) {
        try {
            if (error == null && metadata != null && metadata.offset() >= 0) {
                recorder.acknowledged(id, valueId, new TopicPartition(metadata.topic(), metadata.partition()),
                    metadata.offset());
                counters.acked.increment();
            } else if (error == null) {
                recorder.unknown(id, valueId, "acknowledged without an offset: " + metadata);
                counters.unknown.increment();
            } else if (SendOutcomes.classify(error, beforeBuffering) == Outcome.FAILED) {
                recorder.failed(id, valueId, String.valueOf(error));
                counters.failed.increment();
                LOG.debug("producer={} value={} failed: {}", id, valueId, error.toString());
            } else {
                recorder.unknown(id, valueId, String.valueOf(error));
                counters.unknown.increment();
                LOG.debug("producer={} value={} outcome unknown: {}", id, valueId, error.toString());
            }
        } finally {
            pending.decrementAndGet();
        }
    }

    /** Stops sending; the thread ends after its current send. */
    void stop() {
        running = false;
    }

    /** @return sends whose outcome is not known yet */
    long pending() {
        return pending.get();
    }

    /**
     * Closes the producer: what is still unresolved after the timeout fails (recorded as unknown).
     *
     * @param timeout how long buffered records may still take
     */
    void close(final Duration timeout) {
        producer.close(timeout);
    }
}
