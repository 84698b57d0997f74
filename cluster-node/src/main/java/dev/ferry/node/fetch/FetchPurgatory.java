package dev.ferry.node.fetch;

import dev.ferry.replication.PartitionId;
import dev.ferry.replication.ReplicaListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetch requests that found fewer bytes than they asked for wait here, keyed by partition, as Kafka's delayed
 * fetch purgatory: a waiter reads again when the high watermark of one of its partitions moves (this class is a
 * {@link ReplicaListener}; register it with {@code RaftServerHost.addListener}) and answers with whatever there is
 * when its wait runs out.
 *
 * <p>The listener callbacks run on Raft apply threads: they only look the partition up and hand the re-read to
 * this purgatory's own threads. Re-reads of one waiter never overlap; wake-ups that arrive during one cause one
 * more. A waiter is re-checked once right after it is parked, so a high watermark that moved between the caller's
 * read and the parking is not missed.
 *
 * <p>The purgatory's threads read partition logs and are never interrupted (an interrupt closes a log's file
 * channel). Thread-safe.
 */
public final class FetchPurgatory implements ReplicaListener, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FetchPurgatory.class);

    /** A parked request. Calls to one waiter never overlap; each is made on a purgatory thread. */
    public interface Waiter {
        /**
         * Reads again.
         *
         * @return true when the request was answered (it then leaves the purgatory)
         */
        boolean tryComplete();

        /** The wait ran out (or the purgatory closed): answer with what there is. Called at most once. */
        void expire();
    }

    private final int nodeId;
    private final ScheduledThreadPoolExecutor executor;
    private final Map<PartitionId, Set<Parked>> watchers = new ConcurrentHashMap<>();
    private final AtomicInteger parked = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param nodeId this node's id, for thread names and logs
     * @param threads threads that re-read parked requests and run their timeouts
     */
    public FetchPurgatory(final int nodeId, final int threads) {
        this.nodeId = nodeId;
        final AtomicInteger n = new AtomicInteger();
        this.executor = new ScheduledThreadPoolExecutor(threads, r -> {
            final Thread t = new Thread(r, "ferry-fetch-purgatory-" + nodeId + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    /**
     * Parks a request until one of its partitions' high watermark moves and {@link Waiter#tryComplete} says it
     * answered, or until {@code maxWaitMs} have passed. Returns at once; the waiter is re-checked right away on a
     * purgatory thread (see the class comment).
     *
     * @param partitions the partitions the request reads
     * @param maxWaitMs how long it may wait
     * @param waiter reads again and answers
     */
    public void park(final Collection<PartitionId> partitions, final long maxWaitMs, final Waiter waiter) {
        final Parked p = new Parked(List.copyOf(partitions), waiter);
        parked.incrementAndGet();
        for (final PartitionId partition : p.partitions) {
            watchers.compute(partition, (k, set) -> {
                final Set<Parked> s = set == null ? ConcurrentHashMap.newKeySet() : set;
                s.add(p);
                return s;
            });
        }
        try {
            p.timeout = executor.schedule(p::expire, maxWaitMs, TimeUnit.MILLISECONDS);
        } catch (final RejectedExecutionException e) {
            p.expire();
            return;
        }
        if (closed) {
            // close() may have collected the waiters before this one was added.
            p.expire();
            return;
        }
        p.wake();
    }

    /** @return requests parked now */
    public int parkedCount() {
        return parked.get();
    }

    @Override
    public void onHighWatermark(final PartitionId partition, final long highWatermark) {
        wakeAll(partition);
    }

    /** A replica that loses or gains leadership answers differently (LEADER_NOT_AVAILABLE): re-read at once. */
    @Override
    public void onLeadershipChange(final PartitionId partition, final String leaderNodeId,
                                   final boolean leaderReady) {
        wakeAll(partition);
    }

    private void wakeAll(final PartitionId partition) {
        final Set<Parked> set = watchers.get(partition);
        if (set != null) {
            for (final Parked p : set) {
                p.wake();
            }
        }
    }

    /** Answers every parked request with what there is, then stops the threads (without interrupting them). */
    @Override
    public void close() {
        closed = true;
        final List<Parked> all = new ArrayList<>();
        for (final Set<Parked> set : watchers.values()) {
            all.addAll(set);
        }
        for (final Parked p : all) {
            p.expire();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("node={} fetch purgatory threads still busy after 5 s", nodeId);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One parked request: its wake-ups are counted so that one thread at a time re-reads it. */
    private final class Parked {
        private final List<PartitionId> partitions;
        private final Waiter waiter;
        private final AtomicInteger wakeups = new AtomicInteger();
        private final AtomicBoolean done = new AtomicBoolean();
        private volatile boolean expired;
        private volatile ScheduledFuture<?> timeout;

        Parked(final List<PartitionId> partitions, final Waiter waiter) {
            this.partitions = partitions;
            this.waiter = waiter;
        }

        void expire() {
            expired = true;
            wake();
        }

        void wake() {
            if (done.get() || wakeups.getAndIncrement() != 0) {
                return;
            }
            try {
                executor.execute(this::run);
            } catch (final RejectedExecutionException e) {
                // Closed: answer on this thread rather than never.
                run();
            }
        }

        private void run() {
            int seen = wakeups.get();
            do {
                if (done.get()) {
                    return;
                }
                if (step()) {
                    retire();
                    return;
                }
                seen = wakeups.addAndGet(-seen);
            } while (seen != 0);
        }

        private boolean step() {
            try {
                if (expired) {
                    waiter.expire();
                    return true;
                }
                return waiter.tryComplete();
            } catch (final RuntimeException e) {
                LOG.warn("node={} parked fetch of partitions={} failed to re-read: {}", nodeId, partitions,
                    e.toString());
                if (!expired) {
                    waiter.expire();
                }
                return true;
            }
        }

        private void retire() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            parked.decrementAndGet();
            final ScheduledFuture<?> t = timeout;
            if (t != null) {
                t.cancel(false);
            }
            for (final PartitionId partition : partitions) {
                watchers.computeIfPresent(partition, (k, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
            }
        }
    }
}
