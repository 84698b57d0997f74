package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerConfig;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.FerryConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A standalone reader of the workload, on a thread of its own: assigned every partition, from the beginning,
 * outside any group, with its own client.rack so that it reads from a follower when the nodes have racks. Every
 * record is recorded as a {@link ReaderKind#STANDALONE} read; the checker holds them against the final read (a
 * value read here must be at the same offset after healing). Errors are logged, counted and survived.
 *
 * <p>{@link #run} on one thread; {@link #stop} and {@link #progress} from any.
 */
final class StandaloneReaderLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneReaderLoop.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String reader;
    private final List<TopicPartition> partitions;
    private final HistoryRecorder recorder;
    private final WorkloadCounters counters;
    private final FerryConsumer consumer;
    private final ErrorLog errors;
    private final ConcurrentMap<TopicPartition, Long> progress = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    /**
     * @param index the reader's index: its id is {@code r<index>}
     * @param bootstrap host:port of the nodes
     * @param settings the workload's settings
     * @param partitions every partition of the topic
     * @param recorder where reads go
     * @param counters the workload's counters
     */
    StandaloneReaderLoop(final int index, final List<String> bootstrap, final WorkloadSettings settings,
                         final List<TopicPartition> partitions, final HistoryRecorder recorder,
                         final WorkloadCounters counters) {
        this.reader = "r" + index;
        this.partitions = List.copyOf(partitions);
        this.recorder = recorder;
        this.counters = counters;
        final String rack = settings.readerRack(index);
        this.errors = new ErrorLog(LOG, "reader=" + reader + " rack=" + rack, counters);
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS, String.join(",", bootstrap));
        props.put(ConsumerConfig.CLIENT_ID, ChaosWorkload.CLIENT_PREFIX + reader);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET, "earliest");
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS, settings.requestTimeoutMs());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS, settings.apiTimeoutMs());
        if (rack != null) {
            props.put(ConsumerConfig.CLIENT_RACK, rack);
        }
        this.consumer = new FerryConsumer(props);
    }

    @Override
    public void run() {
        try {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (running) {
                pollOnce();
            }
        } catch (final RuntimeException | Error e) {
            counters.consumerErrors.increment();
            LOG.error("reader={} stopped by an unexpected error", reader, e);
        } finally {
            try {
                consumer.close(Duration.ZERO);
            } catch (final RuntimeException e) {
                LOG.warn("reader={} close failed: {}", reader, e.toString());
            }
        }
    }

    private void pollOnce() {
        try {
            for (final ConsumerRecord r : consumer.poll(POLL)) {
                final TopicPartition tp = r.topicPartition();
                recorder.read(reader, ReaderKind.STANDALONE, tp, r.offset(), r.value());
                progress.merge(tp, r.offset() + 1, Math::max);
                counters.readerReads.increment();
            }
        } catch (final RuntimeException e) {
            errors.onError("poll failed", e);
            ErrorLog.backOff();
        }
    }

    /** @return partition to one past the highest offset read */
    Map<TopicPartition, Long> progress() {
        return progress;
    }

    /** @return the reader's id, as recorded */
    String id() {
        return reader;
    }

    /** Ends the loop; the thread then closes the consumer. */
    void stop() {
        running = false;
    }
}
