package dev.ferry.replication;

import java.util.concurrent.CompletableFuture;

/**
 * What the leader's write of one Raft entry did with each of its batches, in entry order: stored (with its
 * offsets), dropped as an idempotent producer's duplicate (with the offsets stored the first time), or refused.
 * Filled by the state machine's write on the leader, read when the entry commits.
 *
 * <p>Written by one thread (the Raft log append), then published through {@link #appended()}; read after that.
 */
final class EntryOutcome {
    private final CompletableFuture<EntryOutcome> appended = new CompletableFuture<>();
    private ProducerStateTracker.Verdict[] verdicts = new ProducerStateTracker.Verdict[0];
    private long[] firstOffsets = new long[0];
    private long[] lastOffsets = new long[0];
    private long raftIndex = -1;

    void reset(final int batches, final long index) {
        verdicts = new ProducerStateTracker.Verdict[batches];
        firstOffsets = new long[batches];
        lastOffsets = new long[batches];
        raftIndex = index;
    }

    void set(final int batch, final ProducerStateTracker.Verdict verdict, final long first, final long last) {
        verdicts[batch] = verdict;
        firstOffsets[batch] = first;
        lastOffsets[batch] = last;
    }

    /** @return completes when the leader has written the entry */
    CompletableFuture<EntryOutcome> appended() {
        return appended;
    }

    int batchCount() {
        return verdicts.length;
    }

    ProducerStateTracker.Verdict verdict(final int batch) {
        return verdicts[batch];
    }

    long firstOffset(final int batch) {
        return firstOffsets[batch];
    }

    long lastOffset(final int batch) {
        return lastOffsets[batch];
    }

    long raftIndex() {
        return raftIndex;
    }
}
