package dev.ferry.replication;

import dev.ferry.log.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests are answered outside the coalescer's lock. Found by the 5-node chaos run's thread dump: an entry refused
 * at once (the leader had just stepped down) answered its requests while the coalescer was locked; a request's
 * answer runs the producer admission gate's callback, which locks the gate, while a produce thread held the gate
 * and waited for the coalescer. Both threads stopped for good, and with them the node's storage pool: every
 * replica on the node timed out its writes and went out of service.
 */
class EntryCoalescerTest {
    private final List<CompletableFuture<EntryOutcome>> committed = new ArrayList<>();
    private final List<Boolean> answeredUnderLock = new ArrayList<>();
    private EntryCoalescer coalescer;

    private static ByteBuffer batch() {
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(1024));
        b.append(1000L, null, "r".getBytes(StandardCharsets.UTF_8));
        return b.build();
    }

    /** A sender whose entries are refused at once when written, and committed when the test says. */
    private EntryCoalescer.EntryFutures refusedAtOnce() {
        final CompletableFuture<EntryOutcome> commit = new CompletableFuture<>();
        committed.add(commit);
        return new EntryCoalescer.EntryFutures(CompletableFuture.failedFuture(new NotLeaderException(
            new PartitionId("orders", 0), "n0", null)), commit);
    }

    private CompletableFuture<AppendResult> submit(final Acks acks) {
        final CompletableFuture<AppendResult> answer = coalescer.submit(batch(), acks);
        answer.whenComplete((r, e) -> answeredUnderLock.add(Thread.holdsLock(coalescer)));
        return answer;
    }

    @Test
    void shouldAnswerTheNextEntrySentOnACommitOutsideTheLock() {
        coalescer = new EntryCoalescer(1, 1 << 20, data -> refusedAtOnce());
        final List<Boolean> underLock = answeredUnderLock;
        // The first entry is in flight; the second request queues behind it (one entry in flight at most).
        submit(Acks.ALL);
        final CompletableFuture<AppendResult> second = submit(Acks.LEADER);
        assertThat(second).isNotDone();

        // The first commit sends the second entry, which Raft refuses at once.
        committed.get(0).completeExceptionally(new NotLeaderException(new PartitionId("orders", 0), "n0", null));

        assertThat(second).isCompletedExceptionally();
        assertThat(underLock).hasSize(2).containsOnly(false);
    }
}
