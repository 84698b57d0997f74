package dev.ferry.client.producer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.RecordBatchLayout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * The producer's batches per partition, between {@link FerryProducer#send} and the acknowledgement: callers append
 * records to the open batch of their partition; the sender drains batches that are ready (full, lingered long
 * enough, flushed, or closing) to the partition's leader and puts failed ones back for a retry.
 *
 * <p>Order per partition: when a batch fails retriably, the partition stops sending until every batch in flight
 * for it has come back, then sends the failed ones again in sequence order before anything newer (Kafka's rule for
 * idempotent producers with several requests in flight). Batches of a partition in flight all go to one node.
 *
 * <p>Idempotent state reset (as Kafka's producer does): a batch that fails for good leaves a gap in its
 * partition's sequence numbers, which the broker would refuse every later batch for. So after such a failure no
 * new batch is sent; the batches already sent are resolved (acknowledged, failed, or refused as out of order,
 * which means not stored); then, with nothing in flight, the sender gets a new producer id
 * ({@link #resetReady()}, {@link #resetProducerId}) and every batch not stored is given sequences from 0 under it.
 *
 * <p>Thread-safe: one lock guards every partition's state.
 */
final class RecordAccumulator {
    /** The outcome of an append. */
    record AppendResult(CompletableFuture<RecordMetadata> future, boolean batchFull, boolean newBatch,
                        boolean aborted) {
    }

    /** The state of one partition. */
    private static final class PartitionState {
        final ArrayDeque<ProducerBatch> queue = new ArrayDeque<>();
        /** In flight or waiting for a retry, in sequence order. */
        final List<ProducerBatch> unacked = new ArrayList<>();
        final List<ProducerBatch> retries = new ArrayList<>();
        ProducerBatch lastCreated;
        int nextSequence;
        int inFlight;
        int inFlightNode = -1;
        boolean halted;
        /** Whether the broker has acknowledged a batch of this producer for this partition. */
        boolean acknowledged;
        /** A batch of this partition failed for good since the last producer id: its sequences have a gap. */
        boolean gap;
        /**
         * Batches sent under the current producer id, from the oldest not yet resolved on: the broker must still
         * remember that oldest one (among the producer's last 5) when it is retried.
         */
        final ArrayDeque<ProducerBatch> window = new ArrayDeque<>();
    }

    /** The batches per producer and partition the broker remembers for duplicate detection. */
    private static final int MAX_UNACKED_BATCHES = 5;

    private final ProducerConfig config;
    private final BufferPool pool;
    private final ScratchPool scratchPool;
    private final Map<TopicPartition, PartitionState> partitions = new LinkedHashMap<>();
    private final Set<ProducerBatch> incomplete = new HashSet<>();
    private long producerId = RecordBatchLayout.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatchLayout.NO_PRODUCER_EPOCH;
    private int flushes;
    private boolean closing;
    private boolean closingForced;
    /** An idempotent batch failed for good: the producer id must be replaced before new batches are sent. */
    private boolean resetNeeded;

    RecordAccumulator(final ProducerConfig config, final BufferPool pool) {
        this.config = config;
        this.pool = pool;
        this.scratchPool = new ScratchPool(config.batchSize());
    }

    /** @return the compression scratch buffers, for tests of their reuse */
    ScratchPool scratchPool() {
        return scratchPool;
    }

    synchronized void producerId(final long id, final short epoch) {
        this.producerId = id;
        this.producerEpoch = epoch;
    }

    /**
     * Appends a record to its partition's open batch, opening a new one (with memory from the pool, waiting up to
     * maxBlockMs) when there is none or it is full.
     *
     * @param abortOnNewBatch return an aborted result instead of opening a batch (the sticky partitioner moves)
     * @throws InterruptedException when interrupted while waiting for memory
     */
    AppendResult append(final TopicPartition tp, final long timestamp, final byte[] key, final byte[] value,
                        final Header[] headers, final Callback callback, final long maxBlockMs,
                        final boolean abortOnNewBatch) throws InterruptedException {
        synchronized (this) {
            final AppendResult r = tryAppend(tp, timestamp, key, value, headers, callback);
            if (r != null) {
                return r;
            }
            if (abortOnNewBatch) {
                return new AppendResult(null, false, false, true);
            }
        }
        final int size = Math.min(Math.max(config.batchSize(), upperBound(key, value, headers)),
            config.maxRequestSize());
        final ByteBuffer buffer = pool.allocate(size, maxBlockMs);
        synchronized (this) {
            if (closing) {
                pool.deallocate(buffer);
                throw new IllegalStateException("producer closed: cannot send to partition=" + tp);
            }
            final AppendResult r = tryAppend(tp, timestamp, key, value, headers, callback);
            if (r != null) {
                pool.deallocate(buffer);
                return r;
            }
            final PartitionState p = partitions.computeIfAbsent(tp, t -> new PartitionState());
            if (p.lastCreated != null) {
                p.nextSequence = p.lastCreated.baseSequence + p.lastCreated.recordCount();
            }
            final ProducerBatch batch = new ProducerBatch(tp, buffer, System.currentTimeMillis(),
                config.compression(), scratchPool, producerId, producerEpoch, p.nextSequence);
            final CompletableFuture<RecordMetadata> future = batch.tryAppend(timestamp, key, value, headers,
                callback);
            if (future == null) {
                batch.releaseScratch();
                pool.deallocate(buffer);
                throw new FerryException(null, "record too large for a batch: key and value of "
                    + (length(key) + length(value)) + " bytes, batch of " + size, false, null);
            }
            p.lastCreated = batch;
            p.queue.addLast(batch);
            incomplete.add(batch);
            return new AppendResult(future, batch.isFull() || p.queue.size() > 1, true, false);
        }
    }

    private AppendResult tryAppend(final TopicPartition tp, final long timestamp, final byte[] key,
                                   final byte[] value, final Header[] headers, final Callback callback) {
        if (closing) {
            throw new IllegalStateException("producer closed: cannot send to partition=" + tp);
        }
        final PartitionState p = partitions.get(tp);
        final ProducerBatch last = p == null ? null : p.queue.peekLast();
        if (last == null || last != p.lastCreated || last.isFull()) {
            return null;
        }
        final CompletableFuture<RecordMetadata> future = last.tryAppend(timestamp, key, value, headers, callback);
        return future == null ? null : new AppendResult(future, last.isFull(), false, false);
    }

    private static int length(final byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /** A size that holds one record whatever its varints: header, then each length at its widest. */
    static int upperBound(final byte[] key, final byte[] value, final Header[] headers) {
        long size = RecordBatchLayout.HEADER_SIZE + 5 + 1 + 10 + 5 + 5 + length(key) + 5 + length(value) + 5;
        for (final Header h : headers) {
            size += 5 + h.key().getBytes(StandardCharsets.UTF_8).length + 5 + length(h.value());
        }
        return (int) Math.min(size, Integer.MAX_VALUE);
    }

    synchronized void beginFlush() {
        flushes++;
    }

    synchronized void endFlush() {
        flushes--;
    }

    /** From now on every batch is ready and no append is accepted. */
    synchronized void close() {
        closing = true;
    }

    /** @return the futures of every batch not yet completed */
    synchronized List<CompletableFuture<Void>> incompleteBatches() {
        final List<CompletableFuture<Void>> out = new ArrayList<>();
        incomplete.forEach(b -> out.add(b.done));
        return out;
    }

    synchronized boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }

    /** @return the topics with batches */
    synchronized Set<String> topics() {
        final Set<String> out = new HashSet<>();
        partitions.keySet().forEach(tp -> out.add(tp.topic()));
        return out;
    }

    /**
     * Takes at most one ready batch per partition whose leader is known and whose node has room for a request,
     * and no more per node than fits max.request.size (always at least one). While the idempotent state waits
     * for a reset only batches already sent under the old producer id go.
     *
     * @param metadata the cluster as known
     * @param now the time
     * @param nodeHasRoom whether a node takes one more request
     * @param unknownLeaders collects partitions with batches but no known leader
     * @return the batches by leader node, each closed and counted in flight
     */
    synchronized Map<Integer, List<ProducerBatch>> drain(final ClusterMetadata metadata, final long now,
                                                         final IntPredicate nodeHasRoom,
                                                         final Set<TopicPartition> unknownLeaders) {
        final Map<Integer, List<ProducerBatch>> out = new HashMap<>();
        final Map<Integer, Integer> bytes = new HashMap<>();
        for (final Map.Entry<TopicPartition, PartitionState> e : partitions.entrySet()) {
            final PartitionState p = e.getValue();
            if (p.halted) {
                if (p.inFlight > 0) {
                    continue;
                }
                p.retries.sort(Comparator.comparingInt(b -> b.baseSequence));
                for (int i = p.retries.size() - 1; i >= 0; i--) {
                    p.queue.addFirst(p.retries.get(i));
                }
                p.retries.clear();
                p.halted = false;
            }
            final ProducerBatch head = p.queue.peekFirst();
            if (head == null || !ready(p, head, now)
                || resetNeeded && (head.attempts == 0 || head.awaitingNewSequence)) {
                continue;
            }
            // The broker remembers a producer's last 5 batches per partition: a retry of an older one would be
            // refused as out of order instead of answered as a duplicate, so no batch goes more than 4 batches
            // ahead of the oldest one not yet resolved (acknowledged or failed), whatever came back in between.
            final boolean newInWindow = config.idempotence() && !p.window.contains(head);
            if (newInWindow) {
                while (!p.window.isEmpty() && p.window.peekFirst().resolved) {
                    p.window.pollFirst();
                }
                if (p.window.size() >= MAX_UNACKED_BATCHES) {
                    continue;
                }
            }
            final int leader = metadata.leader(e.getKey().topic(), e.getKey().partition());
            if (leader < 0 || metadata.node(leader) == null) {
                unknownLeaders.add(e.getKey());
                continue;
            }
            // An idempotent producer unknown to the broker may start at any sequence: until the first batch is
            // acknowledged a later one could be stored ahead of it, so only one is in flight until then.
            final boolean firstPending = config.idempotence() && !p.acknowledged && p.inFlight > 0;
            if (p.inFlight > 0 && p.inFlightNode != leader || firstPending || !nodeHasRoom.test(leader)) {
                continue;
            }
            final int size = head.sizeInBytes();
            final int taken = bytes.getOrDefault(leader, 0);
            if (taken > 0 && taken + size > config.maxRequestSize()) {
                continue;
            }
            bytes.put(leader, taken + size);
            if (newInWindow) {
                p.window.addLast(head);
            }
            p.queue.pollFirst();
            head.attempts++;
            p.inFlight++;
            p.inFlightNode = leader;
            if (!p.unacked.contains(head)) {
                p.unacked.add(head);
            }
            head.sentBehindUnacked = olderUnacked(p, head);
            out.computeIfAbsent(leader, n -> new ArrayList<>()).add(head);
        }
        return out;
    }

    private boolean ready(final PartitionState p, final ProducerBatch head, final long now) {
        if (head.attempts > 0) {
            return now >= head.retryAtMs;
        }
        return head.isFull() || p.queue.size() > 1 || closing || flushes > 0
            || now - head.createdMs >= config.lingerMs();
    }

    /**
     * A head already ready by time but not drained waits for something else (a response, a metadata refresh),
     * which wakes the sender, so it does not count here: the sender would spin.
     *
     * @return milliseconds until the next batch becomes ready by time (linger or backoff), at most max
     */
    synchronized long nextReadyDelay(final long now, final long max) {
        long delay = max;
        for (final PartitionState p : partitions.values()) {
            final ProducerBatch head = p.queue.peekFirst();
            if (head != null && !p.halted) {
                final long at = head.attempts > 0 ? head.retryAtMs : head.createdMs + config.lingerMs();
                if (at > now) {
                    delay = Math.min(delay, at - now);
                }
            }
        }
        return delay;
    }

    /** A batch was acknowledged: completes its records and gives its memory back. */
    void completed(final ProducerBatch batch, final long baseOffset) {
        synchronized (this) {
            final PartitionState p = partitions.get(batch.tp);
            p.inFlight--;
            p.acknowledged = true;
            batch.resolved = true;
            p.unacked.remove(batch);
            incomplete.remove(batch);
        }
        batch.complete(baseOffset);
        pool.deallocate(batch.buffer);
    }

    /**
     * @param tp a partition
     * @return true when a batch of it failed for good since the producer id was last set
     */
    synchronized boolean hasGap(final TopicPartition tp) {
        final PartitionState p = partitions.get(tp);
        return p != null && p.gap;
    }

    /**
     * The broker refused a batch as out of order after a gap in its partition: it did not store it, so the batch
     * waits for the new producer id and a new sequence instead of failing.
     */
    synchronized void awaitNewSequence(final ProducerBatch batch, final long now) {
        final PartitionState p = partitions.get(batch.tp);
        p.inFlight--;
        batch.awaitingNewSequence = true;
        batch.retryAtMs = now;
        p.halted = true;
        p.retries.add(batch);
    }

    /**
     * @return true when the producer id must be replaced and nothing sent under the old one is unresolved: no
     *         batch in flight, and every batch waiting was never sent or was refused as out of order
     */
    synchronized boolean resetReady() {
        if (!resetNeeded || closingForced) {
            return false;
        }
        for (final PartitionState p : partitions.values()) {
            if (p.inFlight > 0 || !allUnstored(p.queue) || !allUnstored(p.retries)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allUnstored(final Collection<ProducerBatch> batches) {
        for (final ProducerBatch b : batches) {
            if (b.attempts > 0 && !b.awaitingNewSequence) {
                return false;
            }
        }
        return true;
    }

    /**
     * Takes a new producer id after {@link #resetReady()}: every waiting batch of every partition (none of them
     * stored by the broker) gets sequences from 0 under it, in the order they had.
     *
     * @param id the new producer id
     * @param epoch its epoch
     */
    synchronized void resetProducerId(final long id, final short epoch) {
        this.producerId = id;
        this.producerEpoch = epoch;
        for (final PartitionState p : partitions.values()) {
            p.retries.sort(Comparator.comparingInt(b -> b.baseSequence));
            for (int i = p.retries.size() - 1; i >= 0; i--) {
                p.queue.addFirst(p.retries.get(i));
            }
            p.retries.clear();
            p.halted = false;
            int sequence = 0;
            for (final ProducerBatch b : p.queue) {
                b.restamp(id, epoch, sequence);
                sequence += b.recordCount();
            }
            p.nextSequence = sequence;
            p.window.clear();
            p.lastCreated = p.queue.peekLast();
            p.acknowledged = false;
            p.gap = false;
        }
        resetNeeded = false;
    }

    /** A batch of an idempotent producer failed for good: its partition's sequences now have a gap. */
    private void onPermanentFailure(final PartitionState p) {
        if (config.idempotence() && !closingForced) {
            p.gap = true;
            resetNeeded = true;
        }
    }

    /**
     * @param batch a batch back with an error
     * @return true when an older batch of its partition is still unacknowledged (an out-of-order answer is then
     *         expected and retriable)
     */
    synchronized boolean hasOlderUnacked(final ProducerBatch batch) {
        return olderUnacked(partitions.get(batch.tp), batch);
    }

    private static boolean olderUnacked(final PartitionState p, final ProducerBatch batch) {
        for (final ProducerBatch b : p.unacked) {
            if (b != batch && b.baseSequence < batch.baseSequence) {
                return true;
            }
        }
        return false;
    }

    /**
     * A batch came back with an error: retried after the backoff when retriable and within retries and
     * delivery.timeout.ms, else failed.
     *
     * @return true when it will be retried
     */
    boolean failedAttempt(final ProducerBatch batch, final RuntimeException error, final boolean retriable,
                          final long now) {
        synchronized (this) {
            final PartitionState p = partitions.get(batch.tp);
            p.inFlight--;
            final long retryAt = now + config.retryBackoffMs();
            if (retriable && !closingForced && batch.attempts <= config.retries()
                && retryAt < batch.createdMs + config.deliveryTimeoutMs()) {
                batch.retryAtMs = retryAt;
                p.halted = true;
                p.retries.add(batch);
                return true;
            }
            p.unacked.remove(batch);
            batch.resolved = true;
            incomplete.remove(batch);
            onPermanentFailure(p);
        }
        batch.fail(retriable && !closingForced ? outOfTime(batch, error) : error);
        pool.deallocate(batch.buffer);
        return false;
    }

    /** A retriable error the batch has no time or retries left for: a timeout, whatever the last error was. */
    private FerryException outOfTime(final ProducerBatch batch, final RuntimeException last) {
        return new FerryException(ErrorCode.REQUEST_TIMED_OUT, "expired: " + batch.recordCount()
            + " records for partition=" + batch.tp + " not acknowledged within delivery.timeout.ms="
            + config.deliveryTimeoutMs() + " and retries=" + config.retries() + " (attempts=" + batch.attempts
            + "); last error: " + last.getMessage(), true, last);
    }

    /**
     * Fails batches waiting (not in flight) for longer than delivery.timeout.ms, or every waiting batch when
     * forced.
     *
     * @param now the time
     * @param force fail all waiting batches (the producer closes without waiting)
     * @param failure builds the error for a batch
     */
    void expire(final long now, final boolean force, final Function<ProducerBatch, RuntimeException> failure) {
        final List<ProducerBatch> expired = new ArrayList<>();
        synchronized (this) {
            closingForced |= force;
            for (final PartitionState p : partitions.values()) {
                final int before = expired.size();
                collectExpired(p.queue, now, force, expired);
                collectExpired(p.retries, now, force, expired);
                if (expired.size() > before) {
                    p.unacked.removeAll(expired);
                    onPermanentFailure(p);
                }
            }
            expired.forEach(incomplete::remove);
        }
        expired.forEach(b -> {
            b.fail(failure.apply(b));
            pool.deallocate(b.buffer);
        });
    }

    private void collectExpired(final Collection<ProducerBatch> batches, final long now,
                                final boolean force, final List<ProducerBatch> out) {
        batches.removeIf(b -> {
            if (force || now - b.createdMs >= config.deliveryTimeoutMs()) {
                b.resolved = true;
                out.add(b);
                return true;
            }
            return false;
        });
    }
}
