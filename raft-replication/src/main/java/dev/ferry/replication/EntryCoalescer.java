package dev.ferry.replication;

import dev.ferry.log.record.RecordBatch;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Turns the produce requests of one partition into as few Raft entries as possible: while {@code maxInFlight}
 * entries are being replicated, new requests queue; the next entry carries everything queued, up to
 * {@code maxEntryBytes}. The per-entry cost of Raft (an append RPC, a log record, an apply) is then shared by
 * every request that arrived meanwhile, which is what lets small batches from many producers run at disk speed.
 *
 * <p>Requests are joined without copying (a rope of their buffers). Offsets of each request come back from
 * the leader's {@link EntryOutcome}, batch by batch (duplicates and refused idempotent batches were answered by
 * the admission gate and never queued). Requests are validated by the caller before they are queued, so a bad
 * batch fails alone instead of failing its neighbours' entry.
 *
 * <p>Thread-safe: any thread may {@link #submit}; entries are sent in queue order under the coalescer's lock,
 * so Ratis appends them in the order the requests arrived; requests are answered outside it, on the answers
 * executor.
 */
final class EntryCoalescer {
    private final int maxInFlight;
    private final int maxEntryBytes;
    private final Executor answers;
    private final Function<ByteString, EntryFutures> sender;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param maxInFlight entries replicated at once (pipelining) before requests queue
     * @param answers where requests are answered: never the threads that complete the sender's futures (Ratis
     *                completes them holding its own locks, which a sender waits for under this coalescer's lock)
     * @param maxEntryBytes the most batch bytes one entry carries
     * @param sender submits one entry's data and returns its futures
     */
    EntryCoalescer(final int maxInFlight, final Executor answers, final int maxEntryBytes,
                   final Function<ByteString, EntryFutures> sender) {
        this.maxInFlight = maxInFlight;
        this.answers = answers;
        this.maxEntryBytes = maxEntryBytes;
        this.sender = sender;
    }

    /**
     * Counts validated batches, reading only their headers.
     *
     * @param batches concatenated whole batches
     * @return the batch count
     */
    static int batchCount(final ByteBuffer batches) {
        int count = 0;
        for (int pos = batches.position(); pos < batches.limit(); pos += RecordBatch.sizeAt(batches, pos)) {
            count++;
        }
        return count;
    }

    /**
     * Queues validated batches for the next entry.
     *
     * @param batches whole, validated batches (not copied; must not change until the future completes)
     * @param acks when the future completes: {@link Acks#LEADER} or {@link Acks#ALL} (the host answers acks=0
     *             itself and queues those requests as ALL)
     * @return the offsets of these batches
     */
    CompletableFuture<AppendResult> submit(final ByteBuffer batches, final Acks acks) {
        final Pending p = new Pending(batches, batchCount(batches), acks);
        final List<Sent> sent;
        synchronized (this) {
            queue.add(p);
            sent = sendReady();
        }
        listen(sent);
        return p.future;
    }

    /**
     * Hands the queued requests to Raft as entries, in queue order; called with the lock held. The entries'
     * futures are listened to once it is released ({@link #listen}): their answers complete callers' futures,
     * whose own callbacks take other locks (the producer admission gate, which is held while submitting here).
     * Answering under this lock deadlocked a node's storage pool with a produce request thread (found by the
     * 5-node chaos run's thread dump).
     */
    private List<Sent> sendReady() {
        List<Sent> sent = List.of();
        while (inFlight < maxInFlight && !queue.isEmpty()) {
            final List<Pending> entry = new ArrayList<>();
            ByteString data = ByteString.EMPTY;
            while (!queue.isEmpty()) {
                final Pending next = queue.peek();
                if (!entry.isEmpty() && data.size() + next.bytes.remaining() > maxEntryBytes) {
                    break;
                }
                queue.poll();
                entry.add(next);
                data = data.concat(UnsafeByteOperations.unsafeWrap(next.bytes.duplicate()));
            }
            inFlight++;
            if (sent.isEmpty()) {
                sent = new ArrayList<>(1);
            }
            sent.add(new Sent(entry, sender.apply(data)));
        }
        return sent;
    }

    /**
     * Answers each entry's requests when it is written and committed, on the answers executor; never called with
     * the lock held.
     */
    private void listen(final List<Sent> sent) {
        for (final Sent s : sent) {
            s.futures().appended().whenCompleteAsync((result, error) -> complete(s.entry(), Acks.LEADER, result,
                error), answers);
            s.futures().committed().whenCompleteAsync((result, error) -> {
                final List<Sent> next;
                synchronized (this) {
                    inFlight--;
                    next = sendReady();
                }
                listen(next);
                complete(s.entry(), Acks.ALL, result, error);
            }, answers);
        }
    }

    private static void complete(final List<Pending> entry, final Acks acks, final EntryOutcome outcome,
                                 final Throwable error) {
        int batch = 0;
        for (final Pending p : entry) {
            if (p.acks == acks) {
                if (error != null) {
                    p.future.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
                } else {
                    completeFromOutcome(p, outcome, batch);
                }
            }
            batch += p.batches;
        }
    }

    private static void completeFromOutcome(final Pending p, final EntryOutcome outcome, final int firstBatch) {
        p.future.complete(new AppendResult(outcome.firstOffset(firstBatch),
            outcome.lastOffset(firstBatch + p.batches - 1), outcome.raftIndex()));
    }

    /**
     * The two completions of one entry.
     *
     * @param appended completes when the leader has written the entry to its log (acks=leader)
     * @param committed completes when the entry is committed and applied (acks=all)
     */
    record EntryFutures(CompletableFuture<EntryOutcome> appended, CompletableFuture<EntryOutcome> committed) {
    }


    /** An entry handed to Raft: its requests and its futures. */
    private record Sent(List<Pending> entry, EntryFutures futures) {
    }

    private static final class Pending {
        final ByteBuffer bytes;
        final int batches;
        final Acks acks;
        final CompletableFuture<AppendResult> future = new CompletableFuture<>();

        Pending(final ByteBuffer bytes, final int batches, final Acks acks) {
            this.bytes = bytes;
            this.batches = batches;
            this.acks = acks;
        }
    }
}
