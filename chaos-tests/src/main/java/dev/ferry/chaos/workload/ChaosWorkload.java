package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerConfig;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.errors.FerryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The workload of a chaos run: idempotent producers (acks=all) writing unique, checksummed values at a steady
 * rate, the members of a consumer group and standalone readers reading everything, every operation recorded in a
 * {@link HistoryRecorder} with its outcome. It drives any cluster it can reach through a bootstrap list: the
 * nemeses and the cluster are someone else's business.
 *
 * <pre>{@code
 * try (ChaosWorkload workload = new ChaosWorkload(bootstrap, WorkloadSettings.defaults("chaos"), recorder)) {
 *     workload.start();
 *     // ... faults ...
 *     workload.stopProducers();                        // every send's outcome is known after this
 *     workload.awaitConsumersCaughtUp(Duration.ofSeconds(60));
 * }                                                    // members leave the group (committing) and every thread ends
 * }</pre>
 *
 * <p>Every thread it starts, its clients' included, has {@value #THREAD_MARKER} in its name; {@link #close} ends
 * them all.
 *
 * <p>Not thread-safe: start, stop and close from one thread; {@link #stats()} from any.
 */
public final class ChaosWorkload implements AutoCloseable {
    /** Part of the name of every thread the workload and its clients start. */
    public static final String THREAD_MARKER = "chaos-wl-";
    /** Prefix of every client id (the clients name their threads after it). */
    static final String CLIENT_PREFIX = THREAD_MARKER;
    private static final Logger LOG = LoggerFactory.getLogger(ChaosWorkload.class);
    private static final long WAIT_STEP_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long JOIN_MARGIN_MS = 5_000;

    private final List<String> bootstrap;
    private final HistoryRecorder recorder;
    private final WorkloadCounters counters = new WorkloadCounters();
    private final ConcurrentMap<TopicPartition, Long> groupProgress = new ConcurrentHashMap<>();
    private final List<ProducerLoop> producers = new ArrayList<>();
    private final List<GroupMemberLoop> members = new ArrayList<>();
    private final List<StandaloneReaderLoop> readers = new ArrayList<>();
    private final List<Thread> producerThreads = new ArrayList<>();
    private final List<Thread> readerThreads = new ArrayList<>();
    private WorkloadSettings settings;
    private List<TopicPartition> partitions = List.of();
    private ScheduledExecutorService progressLog;
    private boolean started;
    private boolean producersStopped;
    private boolean closed;

    /**
     * @param bootstrap host:port of one or more nodes, comma-separated
     * @param settings what to run
     * @param recorder where every operation goes
     */
    public ChaosWorkload(final String bootstrap, final WorkloadSettings settings, final HistoryRecorder recorder) {
        this(Arrays.stream(bootstrap.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(), settings,
            recorder);
    }

    /**
     * @param bootstrap host:port of one or more nodes
     * @param settings what to run
     * @param recorder where every operation goes
     */
    public ChaosWorkload(final List<String> bootstrap, final WorkloadSettings settings,
                         final HistoryRecorder recorder) {
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("the workload needs at least one bootstrap host:port");
        }
        this.bootstrap = List.copyOf(bootstrap);
        this.settings = Objects.requireNonNull(settings, "settings");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
    }

    /**
     * Creates the topic if missing, then starts the producers, the group members, the standalone readers and the
     * progress line. Blocks only for the topic.
     *
     * @throws IllegalStateException when called twice, after close, or when the topic cannot be created
     */
    public void start() {
        if (started || closed) {
            throw new IllegalStateException("the workload starts once: started=" + started + " closed=" + closed);
        }
        started = true;
        final int count = TopicSetup.ensure(bootstrap, settings);
        settings = settings.withPartitions(count, settings.replicationFactor());
        final List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            all.add(new TopicPartition(settings.topic(), p));
        }
        partitions = List.copyOf(all);
        try {
            for (int i = 0; i < settings.groupMembers(); i++) {
                final GroupMemberLoop m = new GroupMemberLoop(i, bootstrap, settings, recorder, counters,
                    groupProgress);
                members.add(m);
                readerThreads.add(daemon(m, "member-m" + i));
            }
            for (int i = 0; i < settings.readers(); i++) {
                final StandaloneReaderLoop r = new StandaloneReaderLoop(i, bootstrap, settings, partitions, recorder,
                    counters);
                readers.add(r);
                readerThreads.add(daemon(r, "reader-r" + i));
            }
            for (int i = 0; i < settings.producers(); i++) {
                final ProducerLoop p = new ProducerLoop(i, bootstrap, settings, recorder, counters);
                producers.add(p);
                producerThreads.add(daemon(p, "producer-p" + i));
            }
        } catch (final RuntimeException e) {
            close();
            throw e;
        }
        readerThreads.forEach(Thread::start);
        producerThreads.forEach(Thread::start);
        if (settings.progressIntervalMs() > 0) {
            progressLog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "progress"));
            progressLog.scheduleAtFixedRate(new ProgressLine(settings.topic(), this::stats),
                settings.progressIntervalMs(), settings.progressIntervalMs(), TimeUnit.MILLISECONDS);
        }
        LOG.info("workload started topic={} partitions={} producers={} rate={}/s each members={} readers={}",
            settings.topic(), count, settings.producers(), settings.recordsPerSecond(), settings.groupMembers(),
            settings.readers());
    }

    private static Thread daemon(final Runnable r, final String name) {
        final Thread t = new Thread(r, THREAD_MARKER + name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Stops sending and waits until every send's outcome is known: up to the delivery timeout (plus a request
     * timeout) for the sends in flight, after which the producers are closed and what is left is recorded as
     * unknown. Idempotent.
     */
    public void stopProducers() {
        if (!started || producersStopped) {
            return;
        }
        producersStopped = true;
        producers.forEach(ProducerLoop::stop);
        join(producerThreads, settings.maxBlockMs() + settings.requestTimeoutMs() + JOIN_MARGIN_MS);
        final long deadline = System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos((long) settings.deliveryTimeoutMs() + settings.requestTimeoutMs());
        while (pendingSends() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(WAIT_STEP_NS);
        }
        if (pendingSends() > 0) {
            LOG.warn("workload topic={} {} sends unresolved after the delivery timeout: closing the producers "
                + "records them as unknown", settings.topic(), pendingSends());
        }
        for (final ProducerLoop p : producers) {
            p.close(Duration.ofMillis(settings.requestTimeoutMs()));
        }
        LOG.info("workload topic={} producers stopped: {}", settings.topic(), stats().describe());
    }

    private long pendingSends() {
        return producers.stream().mapToLong(ProducerLoop::pending).sum();
    }

    /**
     * Waits until the group (its members together) and every standalone reader have read each partition up to its
     * end offset (high watermark) as it is when the wait starts. Call after {@link #stopProducers()}.
     *
     * @param timeout how long to wait, end-offset lookup included
     * @return true when everyone caught up; false (and a WARN naming who lags where) when the time ran out
     */
    public boolean awaitConsumersCaughtUp(final Duration timeout) {
        if (!started || closed) {
            throw new IllegalStateException("the workload is not running: started=" + started + " closed=" + closed);
        }
        final long deadline = System.nanoTime() + timeout.toNanos();
        final Map<TopicPartition, Long> ends = endOffsets(deadline);
        if (ends == null) {
            LOG.warn("workload topic={} end offsets not found within {}", settings.topic(), timeout);
            return false;
        }
        List<String> lagging = lagging(ends);
        while (!lagging.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(WAIT_STEP_NS);
            lagging = lagging(ends);
        }
        if (!lagging.isEmpty()) {
            LOG.warn("workload topic={} readers not caught up within {}: {}", settings.topic(), timeout, lagging);
            return false;
        }
        LOG.info("workload topic={} readers caught up with end offsets {}", settings.topic(), ends);
        return true;
    }

    private Map<TopicPartition, Long> endOffsets(final long deadline) {
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS, String.join(",", bootstrap));
        props.put(ConsumerConfig.CLIENT_ID, CLIENT_PREFIX + "end-offsets");
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS, settings.requestTimeoutMs());
        try (FerryConsumer consumer = new FerryConsumer(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    return consumer.endOffsets(partitions, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                } catch (final FerryException e) {
                    LOG.info("workload topic={} end offsets not known yet: {}", settings.topic(), e.getMessage());
                    ErrorLog.backOff();
                }
            }
            return null;
        }
    }

    private List<String> lagging(final Map<TopicPartition, Long> ends) {
        final List<String> out = new ArrayList<>();
        ends.forEach((tp, end) -> {
            if (!members.isEmpty() && groupProgress.getOrDefault(tp, 0L) < end) {
                out.add("group " + settings.groupId() + " at " + tp + "@" + groupProgress.getOrDefault(tp, 0L)
                    + " < " + end);
            }
            for (final StandaloneReaderLoop r : readers) {
                final long at = r.progress().getOrDefault(tp, 0L);
                if (at < end) {
                    out.add("reader " + r.id() + " at " + tp + "@" + at + " < " + end);
                }
            }
        });
        return out;
    }

    /** @return the counters now */
    public WorkloadStats stats() {
        return counters.snapshot();
    }

    /** @return the settings, with the partition count of the topic as found (after {@link #start()}) */
    public WorkloadSettings settings() {
        return settings;
    }

    /** @return the topic's partitions (after {@link #start()}) */
    public List<TopicPartition> partitions() {
        return partitions;
    }

    /**
     * Stops everything and frees every thread and connection: producers not stopped yet are closed at once (their
     * unresolved sends recorded as unknown), members leave the group (committing what they processed), readers
     * close. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!producersStopped) {
            producersStopped = true;
            producers.forEach(ProducerLoop::stop);
            join(producerThreads, settings.maxBlockMs() + JOIN_MARGIN_MS);
            for (final ProducerLoop p : producers) {
                p.close(Duration.ZERO);
            }
        }
        members.forEach(GroupMemberLoop::stop);
        readers.forEach(StandaloneReaderLoop::stop);
        join(readerThreads, 2L * settings.apiTimeoutMs() + JOIN_MARGIN_MS);
        if (progressLog != null) {
            progressLog.shutdownNow();
            try {
                progressLog.awaitTermination(JOIN_MARGIN_MS, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("workload topic={} closed: {}", settings.topic(), stats().describe());
    }

    /** Joins threads that may not have been started (a failed start): those are skipped. */
    private static void join(final List<Thread> threads, final long timeoutMs) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        for (final Thread t : threads) {
            if (t.getState() == Thread.State.NEW) {
                continue;
            }
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                LOG.warn("workload thread {} did not end within {} ms: interrupting it", t.getName(), timeoutMs);
                t.interrupt();
            }
        }
    }
}
