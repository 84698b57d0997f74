package dev.ferry.replication;

import java.util.concurrent.CompletableFuture;

/**
 * Where the leader's write of one Raft entry stored each of its batches, in entry order (every batch of an entry
 * is stored: the producer admission gate decided before the entry existed). Filled by the state machine's write on
 * the leader, read when the entry commits.
 *
 * <p>Written by one thread (the Raft log append), then published through {@link #appended()}; read after that.
 */
final class EntryOutcome {
    private final CompletableFuture<EntryOutcome> appended = new CompletableFuture<>();
    private long[] firstOffsets = new long[0];
    private long[] lastOffsets = new long[0];
    private long raftIndex = -1;

    void reset(final int batches, final long index) {
        firstOffsets = new long[batches];
        lastOffsets = new long[batches];
        raftIndex = index;
    }

    void set(final int batch, final long first, final long last) {
        firstOffsets[batch] = first;
        lastOffsets[batch] = last;
    }

    /** @return completes when the leader has written the entry */
    CompletableFuture<EntryOutcome> appended() {
        return appended;
    }

    int batchCount() {
        return firstOffsets.length;
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
