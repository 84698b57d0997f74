package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ListOffsetsPartition;
import dev.ferry.client.protocol.proto.ListOffsetsPartitionResult;
import dev.ferry.client.protocol.proto.ListOffsetsRequest;
import dev.ferry.client.protocol.proto.ListOffsetsResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads records from a Ferry cluster, as Kafka's consumer does: either from partitions given with
 * {@link #assign}, or as a member of a consumer group ({@link #subscribe}) whose coordinator assigns partitions
 * (KIP-848 style: heartbeats carry the partitions owned; partitions to give up are revoked, reported, and only then
 * handed to their new owner). Records come from the nearest replica (client.rack, else spread over leader and
 * followers), with the next fetch to each node in flight while the application handles the last records.
 *
 * <p><b>Not thread-safe</b>: use it from one thread. A call from a second thread while one is in progress throws
 * {@link ConcurrentModificationException}. Rebalance and commit callbacks, and every change of fetch positions, run
 * on the calling thread inside poll (and commit calls).
 *
 * <p><b>Liveness</b>, as in Kafka: a group member heartbeats from a background thread of its own
 * ({@link HeartbeatThread}) at the interval the coordinator gives (group.consumer.heartbeat.interval.ms on the
 * brokers), so it keeps its partitions however long the application takes between polls, as long as the process
 * lives; a member not heard from for group.consumer.session.timeout.ms (a broker setting) is removed. The
 * application's own progress is bounded by {@value ConsumerConfig#MAX_POLL_INTERVAL_MS} (default 5 minutes): when
 * poll is not called within it, the member leaves the group at once (member epoch -1) so its partitions go to other
 * members, and the next poll reports them lost ({@link RebalanceListener#onPartitionsLost}) and rejoins. It is also
 * the time a member gets to give up revoked partitions. {@link #close} stops the thread and leaves the group.
 *
 * <p>Every blocking call takes a timeout (or uses default.api.timeout.ms) and throws a retriable
 * {@link FerryException} with REQUEST_TIMED_OUT when it runs out.
 */
public final class FerryConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryConsumer.class);
    private static final long NO_OWNER = -1;
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Queued to wake a poll waiting for events: the heartbeat thread has something for it. */
    private static final Runnable NOTHING = () -> { };

    private final ConsumerConfig config;
    private final NetworkClient network;
    private final GroupClient group;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Fetcher fetcher;
    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    private final AtomicLong owner = new AtomicLong(NO_OWNER);
    private int depth;
    private boolean closed;

    private final HeartbeatThread heartbeat;
    private final Set<String> subscription = new LinkedHashSet<>();
    private RebalanceListener listener = RebalanceListener.NONE;
    private long nextAutoCommitNanos;

    /** @param props the settings (see {@link ConsumerConfig}) */
    public FerryConsumer(final Map<String, ?> props) {
        this(ConsumerConfig.from(props));
    }

    /** @param config the settings */
    public FerryConsumer(final ConsumerConfig config) {
        this.config = config;
        this.network = new NetworkClient(config.bootstrapServers(), ConnectionConfig.defaults(config.clientId()), 1);
        this.group = config.hasGroup() ? new GroupClient(network, config.groupId(), config.requestTimeoutMs()) : null;
        this.fetcher = new Fetcher(network, config, events::add);
        this.heartbeat = group == null ? null : new HeartbeatThread(group, config, () -> events.add(NOTHING));
        this.fetcher.attach(assigned);
        this.nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.autoCommitIntervalMs());
    }

    // ---- single-thread guard ---------------------------------------------------------------------------------

    private void acquire() {
        final long id = Thread.currentThread().getId();
        if (owner.get() != id && !owner.compareAndSet(NO_OWNER, id)) {
            throw new ConcurrentModificationException("FerryConsumer is not safe for multi-threaded access: "
                + "thread " + Thread.currentThread().getName() + " called it while thread id " + owner.get()
                + " is using it");
        }
        depth++;
    }

    private void release() {
        if (--depth == 0) {
            owner.set(NO_OWNER);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
    }

    // ---- assignment ------------------------------------------------------------------------------------------

    /**
     * Joins the group (group.id) with these topics; the coordinator assigns partitions during {@link #poll}.
     *
     * @param topics the topics
     * @param rebalanceListener told of revoked, assigned and lost partitions
     */
    public void subscribe(final Collection<String> topics, final RebalanceListener rebalanceListener) {
        acquire();
        try {
            ensureOpen();
            if (group == null) {
                throw new IllegalStateException("subscribe needs " + ConsumerConfig.GROUP_ID + "; use assign "
                    + "without a group");
            }
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("subscribe needs at least one topic");
            }
            if (subscription.isEmpty() && !assigned.isEmpty()) {
                throw new IllegalStateException("assign and subscribe cannot be mixed: this consumer is assigned "
                    + assigned.keySet());
            }
            subscription.clear();
            subscription.addAll(topics);
            listener = rebalanceListener == null ? RebalanceListener.NONE : rebalanceListener;
            heartbeat.subscribe(subscription);
        } finally {
            release();
        }
    }

    /** @param topics the topics to subscribe to, with no rebalance listener */
    public void subscribe(final Collection<String> topics) {
        subscribe(topics, RebalanceListener.NONE);
    }

    /**
     * Reads these partitions, outside any group membership (commits still go to group.id if set).
     *
     * @param partitions the partitions; replaces the previous assignment
     */
    public void assign(final Collection<TopicPartition> partitions) {
        acquire();
        try {
            ensureOpen();
            if (!subscription.isEmpty()) {
                throw new IllegalStateException("assign and subscribe cannot be mixed: subscribed to "
                    + subscription);
            }
            final Set<TopicPartition> keep = new HashSet<>(partitions);
            for (final TopicPartition tp : Set.copyOf(assigned.keySet())) {
                if (!keep.contains(tp)) {
                    fetcher.clear(tp);
                    assigned.remove(tp);
                }
            }
            partitions.forEach(tp -> assigned.computeIfAbsent(tp, t -> new PartitionState()));
        } finally {
            release();
        }
    }

    /**
     * Leaves the group (committing first with auto-commit, and telling the listener the partitions are revoked) or
     * drops the manual assignment, within default.api.timeout.ms.
     */
    public void unsubscribe() {
        acquire();
        try {
            ensureOpen();
            final Duration timeout = Duration.ofMillis(config.defaultApiTimeoutMs());
            leave(System.nanoTime() + timeout.toNanos(), timeout);
            assigned.keySet().forEach(fetcher::clear);
            assigned.clear();
            subscription.clear();
        } finally {
            release();
        }
    }

    /** @return the partitions this consumer reads now */
    public Set<TopicPartition> assignment() {
        acquire();
        try {
            return Set.copyOf(assigned.keySet());
        } finally {
            release();
        }
    }

    /** @return the subscribed topics */
    public Set<String> subscription() {
        acquire();
        try {
            return Set.copyOf(subscription);
        } finally {
            release();
        }
    }

    // ---- poll ------------------------------------------------------------------------------------------------

    /**
     * Returns the records that arrived, waiting up to the timeout for some. Also reconciles the group assignment the
     * heartbeat thread received (calling the rebalance listener), rejoins after a lost membership and auto-commits.
     * Calling it within max.poll.interval.ms keeps the membership; the time spent inside it does not count.
     *
     * @param timeout how long to wait for records
     * @return up to max.poll.records records, possibly none
     * @throws FerryException CORRUPT_BATCH when a fetched batch fails its check (the records before it were
     *         returned by earlier polls; the position stays at the damaged batch), or a group error
     */
    public ConsumerRecords poll(final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            if (assigned.isEmpty() && subscription.isEmpty()) {
                throw new IllegalStateException("consumer is neither subscribed nor assigned");
            }
            final long deadline = System.nanoTime() + timeout.toNanos();
            if (heartbeat != null) {
                heartbeat.pollStarted();
            }
            try {
                return pollUntil(deadline, timeout);
            } finally {
                if (heartbeat != null) {
                    heartbeat.pollEnded();
                }
            }
        } finally {
            release();
        }
    }

    private ConsumerRecords pollUntil(final long deadline, final Duration timeout) {
        do {
            runEvents();
            applyMembership();
            maybeAutoCommit();
            try {
                updatePositions(deadline, timeout.toMillis());
            } catch (final FerryException e) {
                if (!e.isRetriable()) {
                    throw e;
                }
                LOG.debug("group={} positions not known yet: {}", config.groupId(), e.getMessage());
            }
            final Map<TopicPartition, List<ConsumerRecord>> drained = fetcher.drain(config.maxPollRecords());
            fetcher.send(assigned);
            if (!drained.isEmpty()) {
                return new ConsumerRecords(drained);
            }
            waitForEvent(deadline);
        } while (System.nanoTime() < deadline);
        return ConsumerRecords.EMPTY;
    }

    private void runEvents() {
        Runnable r;
        while ((r = events.poll()) != null) {
            r.run();
        }
    }

    private void waitForEvent(final long deadline) {
        long until = deadline;
        if (assigned.values().stream().anyMatch(s -> s.position < 0)) {
            until = Math.min(until, System.nanoTime() + RETRY_NANOS);
        }
        final long wait = until - System.nanoTime();
        try {
            final Runnable r = wait > 0 ? events.poll(wait, TimeUnit.NANOSECONDS) : events.poll();
            if (r != null) {
                r.run();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(null, "poll interrupted", false, e);
        }
    }

    // ---- group membership ------------------------------------------------------------------------------------

    /**
     * Takes what the heartbeat thread recorded: a lost membership (fenced, or left after max.poll.interval.ms) drops
     * every partition and rejoins; a new assignment is reconciled. Here, on the polling thread, because the listener
     * and the fetch positions belong to it.
     */
    private void applyMembership() {
        if (heartbeat == null || subscription.isEmpty()) {
            return;
        }
        final FerryException error = heartbeat.takeError();
        if (error != null) {
            throw error;
        }
        if (heartbeat.takeLost()) {
            final Set<TopicPartition> lost = Set.copyOf(assigned.keySet());
            assigned.keySet().forEach(fetcher::clear);
            assigned.clear();
            try {
                if (!lost.isEmpty()) {
                    LOG.info("group={} member={} partitions {} lost: rejoining", config.groupId(),
                        heartbeat.memberId(), lost);
                    listener.onPartitionsLost(lost);
                }
            } finally {
                heartbeat.released();
            }
        }
        final Set<TopicPartition> target = heartbeat.takeTarget();
        if (target != null) {
            reconcile(target);
        }
    }

    private void reconcile(final Set<TopicPartition> wanted) {
        final Set<TopicPartition> revoked = new LinkedHashSet<>(assigned.keySet());
        revoked.removeAll(wanted);
        final Set<TopicPartition> added = new LinkedHashSet<>(wanted);
        added.removeAll(assigned.keySet());
        if (!revoked.isEmpty()) {
            LOG.info("group={} member={} revoking {}", config.groupId(), heartbeat.memberId(), revoked);
            listener.onPartitionsRevoked(Set.copyOf(revoked));
            if (config.enableAutoCommit()) {
                try {
                    commitSync(positions(revoked), Duration.ofMillis(config.requestTimeoutMs()));
                } catch (final FerryException e) {
                    LOG.warn("group={} member={} commit of revoked partitions failed: {}", config.groupId(),
                        heartbeat.memberId(), e.getMessage());
                }
            }
            revoked.forEach(tp -> {
                fetcher.clear(tp);
                assigned.remove(tp);
            });
            // Report the revocation at once: the new owners wait for it.
            heartbeat.owned(assigned.keySet(), true);
        }
        if (!added.isEmpty()) {
            LOG.info("group={} member={} assigned {}", config.groupId(), heartbeat.memberId(), added);
            added.forEach(tp -> assigned.put(tp, new PartitionState()));
            heartbeat.owned(assigned.keySet(), false);
            listener.onPartitionsAssigned(Set.copyOf(added));
        }
    }

    // ---- positions -------------------------------------------------------------------------------------------

    private void updatePositions(final long deadline, final long timeoutMs) {
        final Set<TopicPartition> unknown = new LinkedHashSet<>();
        assigned.forEach((tp, st) -> {
            if (st.position < 0) {
                unknown.add(tp);
            }
        });
        if (unknown.isEmpty()) {
            return;
        }
        final Set<TopicPartition> committedWanted = new HashSet<>();
        for (final TopicPartition tp : unknown) {
            final PartitionState st = assigned.get(tp);
            if (group != null && !st.reset && st.resetTo == 0) {
                committedWanted.add(tp);
            }
        }
        if (!committedWanted.isEmpty()) {
            final Map<TopicPartition, OffsetAndMetadata> committed = Waits.retry(
                () -> group.fetchOffsets(committedWanted), deadline, "OffsetFetch", timeoutMs, group::onError);
            committed.forEach((tp, o) -> {
                final PartitionState st = assigned.get(tp);
                if (st != null) {
                    st.position = o.offset();
                }
            });
        }
        final Map<TopicPartition, Long> byPolicy = new HashMap<>();
        for (final TopicPartition tp : unknown) {
            final PartitionState st = assigned.get(tp);
            if (st == null || st.position >= 0) {
                continue;
            }
            if (st.resetTo != 0) {
                byPolicy.put(tp, st.resetTo);
            } else if (config.autoOffsetReset().equals("none")) {
                throw new FerryException(ErrorCode.OFFSET_OUT_OF_RANGE, "no committed offset or position for "
                    + "partition=" + tp + " and " + ConsumerConfig.AUTO_OFFSET_RESET + "=none: seek first", false,
                    null);
            } else {
                byPolicy.put(tp, config.autoOffsetReset().equals("earliest") ? -2L : -1L);
            }
        }
        if (!byPolicy.isEmpty()) {
            listOffsets(byPolicy, deadline, timeoutMs).forEach((tp, r) -> {
                final PartitionState st = assigned.get(tp);
                if (st != null && st.position < 0) {
                    st.position = r.getOffset();
                    st.reset = false;
                    st.resetTo = 0;
                }
            });
        }
    }

    private Map<TopicPartition, ListOffsetsPartitionResult> listOffsets(final Map<TopicPartition, Long> timestamps,
                                                                        final long deadline, final long timeoutMs) {
        final Map<TopicPartition, Long> pending = new LinkedHashMap<>(timestamps);
        final Map<TopicPartition, ListOffsetsPartitionResult> out = new HashMap<>();
        final Set<String> topics = new HashSet<>();
        timestamps.keySet().forEach(tp -> topics.add(tp.topic()));
        FerryException last = null;
        boolean refresh = timestamps.keySet().stream()
            .anyMatch(tp -> network.metadata().leader(tp.topic(), tp.partition()) < 0);
        while (!pending.isEmpty()) {
            if (System.nanoTime() >= deadline) {
                throw Waits.timedOut("ListOffsets for " + pending.keySet(), timeoutMs, last);
            }
            try {
                if (refresh) {
                    Waits.await(network.refreshMetadata(topics, config.requestTimeoutMs()), deadline, "Metadata",
                        timeoutMs);
                }
                refresh = false;
                final Map<Integer, ListOffsetsRequest.Builder> byLeader = new HashMap<>();
                pending.forEach((tp, ts) -> byLeader.computeIfAbsent(
                    network.metadata().leader(tp.topic(), tp.partition()), n -> ListOffsetsRequest.newBuilder())
                    .addPartitions(ListOffsetsPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                        .setTimestamp(ts)));
                final Map<Integer, CompletableFuture<ListOffsetsResponse>> sent = new HashMap<>();
                byLeader.forEach((node, req) -> sent.put(node, network.send(node, ApiKey.LIST_OFFSETS, req.build(),
                    null, config.requestTimeoutMs()).thenApply(r -> {
                        try (r) {
                            return r.body(ListOffsetsResponse.parser());
                        }
                    })));
                for (final CompletableFuture<ListOffsetsResponse> f : sent.values()) {
                    for (final ListOffsetsPartitionResult p : Waits.await(f, deadline, "ListOffsets", timeoutMs)
                        .getResultsList()) {
                        final TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
                        if (p.getError() == ErrorCode.NONE) {
                            out.put(tp, p);
                            pending.remove(tp);
                        } else {
                            last = FerryException.of(p.getError(), "ListOffsets partition=" + tp + ": "
                                + p.getErrorMessage());
                            if (!last.isRetriable()) {
                                throw last;
                            }
                            refresh = true;
                        }
                    }
                }
            } catch (final FerryException e) {
                if (!e.isRetriable()) {
                    throw e;
                }
                last = e;
                refresh = true;
            }
            if (!pending.isEmpty()) {
                LockSupport.parkNanos(Math.min(RETRY_NANOS / 2, Math.max(0, deadline - System.nanoTime())));
            }
        }
        return out;
    }

    private Map<TopicPartition, OffsetAndMetadata> positions(final Collection<TopicPartition> tps) {
        final Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        for (final TopicPartition tp : tps) {
            final PartitionState st = assigned.get(tp);
            if (st != null && st.position >= 0) {
                out.put(tp, new OffsetAndMetadata(st.position));
            }
        }
        return out;
    }

    private PartitionState state(final TopicPartition tp) {
        final PartitionState st = assigned.get(tp);
        if (st == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned to this consumer; assigned: "
                + assigned.keySet());
        }
        return st;
    }

    /**
     * @param tp an assigned partition
     * @return the offset of the next record poll returns for it, finding it (committed offset or
     *         auto.offset.reset) within default.api.timeout.ms when not known yet
     */
    public long position(final TopicPartition tp) {
        return position(tp, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    /**
     * @param tp an assigned partition
     * @param timeout how long to look for it
     * @return the offset of the next record poll returns for it
     */
    public long position(final TopicPartition tp, final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            final PartitionState st = state(tp);
            if (st.position < 0) {
                updatePositions(System.nanoTime() + timeout.toNanos(), timeout.toMillis());
            }
            return st.position;
        } finally {
            release();
        }
    }

    /**
     * @param tp an assigned partition
     * @param offset the next offset poll returns
     */
    public void seek(final TopicPartition tp, final long offset) {
        acquire();
        try {
            if (offset < 0) {
                throw new IllegalArgumentException("seek offset must be >= 0: " + offset);
            }
            final PartitionState st = state(tp);
            st.position = offset;
            st.reset = false;
            st.resetTo = 0;
            fetcher.clear(tp);
        } finally {
            release();
        }
    }

    /** @param tps assigned partitions to read from their first offset (found lazily, on the next poll) */
    public void seekToBeginning(final Collection<TopicPartition> tps) {
        seekTo(tps, -2);
    }

    /** @param tps assigned partitions to read from their high watermark (found lazily, on the next poll) */
    public void seekToEnd(final Collection<TopicPartition> tps) {
        seekTo(tps, -1);
    }

    private void seekTo(final Collection<TopicPartition> tps, final long to) {
        acquire();
        try {
            for (final TopicPartition tp : tps.isEmpty() ? Set.copyOf(assigned.keySet()) : tps) {
                final PartitionState st = state(tp);
                st.position = -1;
                st.resetTo = to;
                fetcher.clear(tp);
            }
        } finally {
            release();
        }
    }

    /**
     * @param timestamps the timestamp wanted per partition (ms since the epoch)
     * @param timeout how long to wait
     * @return per partition the first offset with a timestamp at or after the one asked for; null when none
     */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(final Map<TopicPartition, Long> timestamps,
                                                                   final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            for (final Long ts : timestamps.values()) {
                if (ts < 0) {
                    throw new IllegalArgumentException("timestamps must be >= 0: " + timestamps);
                }
            }
            final Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
            listOffsets(timestamps, System.nanoTime() + timeout.toNanos(), timeout.toMillis()).forEach((tp, r) ->
                out.put(tp, r.getOffset() < 0 ? null : new OffsetAndTimestamp(r.getOffset(), r.getTimestamp())));
            return out;
        } finally {
            release();
        }
    }

    /** Like {@link #offsetsForTimes(Map, Duration)} within default.api.timeout.ms. */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(final Map<TopicPartition, Long> timestamps) {
        return offsetsForTimes(timestamps, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    /**
     * @param tps partitions
     * @param timeout how long to wait
     * @return each partition's first offset (log start)
     */
    public Map<TopicPartition, Long> beginningOffsets(final Collection<TopicPartition> tps, final Duration timeout) {
        return edgeOffsets(tps, -2, timeout);
    }

    /**
     * @param tps partitions
     * @param timeout how long to wait
     * @return each partition's high watermark
     */
    public Map<TopicPartition, Long> endOffsets(final Collection<TopicPartition> tps, final Duration timeout) {
        return edgeOffsets(tps, -1, timeout);
    }

    private Map<TopicPartition, Long> edgeOffsets(final Collection<TopicPartition> tps, final long which,
                                                  final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            final Map<TopicPartition, Long> ask = new HashMap<>();
            tps.forEach(tp -> ask.put(tp, which));
            final Map<TopicPartition, Long> out = new HashMap<>();
            listOffsets(ask, System.nanoTime() + timeout.toNanos(), timeout.toMillis())
                .forEach((tp, r) -> out.put(tp, r.getOffset()));
            return out;
        } finally {
            release();
        }
    }

    /** @param tps assigned partitions to stop fetching (poll returns nothing for them until resumed) */
    public void pause(final Collection<TopicPartition> tps) {
        acquire();
        try {
            tps.forEach(tp -> {
                state(tp).paused = true;
                fetcher.clear(tp);
            });
        } finally {
            release();
        }
    }

    /** @param tps paused partitions to fetch again */
    public void resume(final Collection<TopicPartition> tps) {
        acquire();
        try {
            tps.forEach(tp -> state(tp).paused = false);
        } finally {
            release();
        }
    }

    /** @return the paused partitions */
    public Set<TopicPartition> paused() {
        acquire();
        try {
            final Set<TopicPartition> out = new HashSet<>();
            assigned.forEach((tp, st) -> {
                if (st.paused) {
                    out.add(tp);
                }
            });
            return out;
        } finally {
            release();
        }
    }

    /**
     * @param tp an assigned partition
     * @return the high watermark of the last fetch minus the position; empty before a fetch or a position
     */
    public OptionalLong currentLag(final TopicPartition tp) {
        acquire();
        try {
            final PartitionState st = state(tp);
            return st.highWatermark < 0 || st.position < 0 ? OptionalLong.empty()
                : OptionalLong.of(Math.max(0, st.highWatermark - st.position));
        } finally {
            release();
        }
    }

    // ---- commits ---------------------------------------------------------------------------------------------

    private GroupClient requireGroup() {
        if (group == null) {
            throw new IllegalStateException("commits need " + ConsumerConfig.GROUP_ID);
        }
        return group;
    }

    /** As Kafka's CommitFailedException: after a lost membership the partitions may be another member's now. */
    private FerryException commitRefused() {
        if (heartbeat == null || !heartbeat.membershipLost()) {
            return null;
        }
        return new FerryException(ErrorCode.UNKNOWN_MEMBER_ID, "commit refused: this consumer is no longer a member "
            + "of group=" + config.groupId() + " (it was fenced, or did not poll within "
            + ConsumerConfig.MAX_POLL_INTERVAL_MS + "=" + config.maxPollIntervalMs() + " ms) and its partitions may "
            + "belong to another member; the next poll rejoins", false, null);
    }

    private String commitMemberId() {
        return heartbeat == null ? "" : heartbeat.commitMemberId();
    }

    private int commitEpoch() {
        return heartbeat == null ? -1 : heartbeat.commitEpoch();
    }

    /** Commits the positions of every assigned partition, within default.api.timeout.ms. */
    public void commitSync() {
        acquire();
        try {
            commitSync(positions(assigned.keySet()), Duration.ofMillis(config.defaultApiTimeoutMs()));
        } finally {
            release();
        }
    }

    /** @param offsets the offsets to commit (the next offset to consume per partition), within the API timeout */
    public void commitSync(final Map<TopicPartition, OffsetAndMetadata> offsets) {
        commitSync(offsets, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    /**
     * @param offsets the offsets to commit
     * @param timeout how long to keep trying (coordinator moves, timeouts)
     * @throws FerryException UNKNOWN_MEMBER_ID (not retriable, as Kafka's CommitFailedException) when a subscribed
     *         consumer lost its membership (fenced, or no poll within max.poll.interval.ms) and has not polled since
     */
    public void commitSync(final Map<TopicPartition, OffsetAndMetadata> offsets, final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            final GroupClient g = requireGroup();
            final FerryException refused = commitRefused();
            if (refused != null) {
                throw refused;
            }
            if (offsets.isEmpty()) {
                return;
            }
            final Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
            Waits.retry(() -> g.commit(copy, commitMemberId(), commitEpoch()), System.nanoTime() + timeout.toNanos(),
                "OffsetCommit of group=" + config.groupId(), timeout.toMillis(), g::onError);
        } finally {
            release();
        }
    }

    /** @param callback told the outcome on this thread during a later call; may be null */
    public void commitAsync(final OffsetCommitCallback callback) {
        acquire();
        try {
            ensureOpen();
            commitAsync(positions(assigned.keySet()), callback);
        } finally {
            release();
        }
    }

    /**
     * @param offsets the offsets to commit
     * @param callback told the outcome on this thread during a later call; may be null
     */
    public void commitAsync(final Map<TopicPartition, OffsetAndMetadata> offsets,
                            final OffsetCommitCallback callback) {
        acquire();
        try {
            ensureOpen();
            final Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
            final FerryException refused = commitRefused();
            if (refused != null) {
                requireGroup();
                events.add(() -> {
                    if (callback != null) {
                        callback.onComplete(copy, refused);
                    } else {
                        LOG.warn("group={} async commit failed: {}", config.groupId(), refused.getMessage());
                    }
                });
                return;
            }
            requireGroup().commit(copy, commitMemberId(), commitEpoch()).whenComplete((v, e) -> events.add(() -> {
                if (callback != null) {
                    callback.onComplete(copy, e == null ? null : Waits.unwrap(e));
                } else if (e != null) {
                    LOG.warn("group={} async commit failed: {}", config.groupId(), Waits.unwrap(e).getMessage());
                }
            }));
        } finally {
            release();
        }
    }

    private void maybeAutoCommit() {
        if (group == null || !config.enableAutoCommit() || System.nanoTime() < nextAutoCommitNanos
            || commitRefused() != null) {
            return;
        }
        nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.autoCommitIntervalMs());
        final Map<TopicPartition, OffsetAndMetadata> offsets = positions(assigned.keySet());
        if (!offsets.isEmpty()) {
            commitAsync(offsets, null);
        }
    }

    /**
     * @param tps partitions
     * @param timeout how long to wait
     * @return the group's committed offsets for them (partitions without one are absent)
     */
    public Map<TopicPartition, OffsetAndMetadata> committed(final Set<TopicPartition> tps, final Duration timeout) {
        acquire();
        try {
            ensureOpen();
            final GroupClient g = requireGroup();
            return Waits.retry(() -> g.fetchOffsets(tps), System.nanoTime() + timeout.toNanos(),
                "OffsetFetch of group=" + config.groupId(), timeout.toMillis(), g::onError);
        } finally {
            release();
        }
    }

    /** Like {@link #committed(Set, Duration)} within default.api.timeout.ms. */
    public Map<TopicPartition, OffsetAndMetadata> committed(final Set<TopicPartition> tps) {
        return committed(tps, Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    // ---- close -----------------------------------------------------------------------------------------------

    /** Commits (with auto-commit), leaves the group and closes the connections, within default.api.timeout.ms. */
    @Override
    public void close() {
        close(Duration.ofMillis(config.defaultApiTimeoutMs()));
    }

    /** @param timeout how long the final commit and the leave may take */
    public void close(final Duration timeout) {
        acquire();
        try {
            if (closed) {
                return;
            }
            final long deadline = System.nanoTime() + timeout.toNanos();
            try {
                leave(deadline, timeout);
            } finally {
                closed = true;
                if (heartbeat != null) {
                    heartbeat.close();
                }
                network.close();
            }
        } finally {
            release();
        }
    }

    private void leave(final long deadline, final Duration timeout) {
        if (group == null) {
            return;
        }
        if (config.enableAutoCommit() && !assigned.isEmpty()) {
            try {
                commitSync(positions(assigned.keySet()), timeout);
            } catch (final FerryException e) {
                LOG.warn("group={} final commit failed: {}", config.groupId(), e.getMessage());
            }
        }
        if (subscription.isEmpty()) {
            return;
        }
        if (!assigned.isEmpty()) {
            listener.onPartitionsRevoked(Set.copyOf(assigned.keySet()));
        }
        final String member = heartbeat.memberId();
        try {
            Waits.await(heartbeat.leave(), deadline, "leave group", timeout.toMillis());
        } catch (final FerryException e) {
            LOG.warn("group={} member={} leave failed (the session timeout removes it): {}", config.groupId(), member,
                e.getMessage());
        }
        assigned.clear();
        subscription.clear();
    }
}
