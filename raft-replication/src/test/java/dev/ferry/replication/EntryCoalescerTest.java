package dev.ferry.replication;

import dev.ferry.log.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Requests are answered outside the coalescer's lock. Found by the 5-node chaos run's thread dump: an entry refused
 * at once (the leader had just stepped down) answered its requests while the coalescer was locked; a request's
 * answer runs the producer admission gate's callback, which locks the gate, while a produce thread held the gate
 * and waited for the coalescer. Both threads stopped for good, and with them the node's storage pool: every
 * replica on the node timed out its writes and went out of service. And the same run's next dump: Ratis completes
 * replies while holding a division's lock (a leader stepping down answers every pending request), and a sender
 * inside Ratis waits for that lock while it holds the coalescer's; answers therefore run on an executor of their own.
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
        coalescer = new EntryCoalescer(1, Runnable::run, 1 << 20, data -> refusedAtOnce());
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

    @Test
    void shouldAnswerOnItsExecutorWhileASenderWaitsForTheLockRaftHoldsToComplete() throws Exception {
        final Object division = new Object();
        final List<CompletableFuture<EntryOutcome>> commits = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.concurrent.ExecutorService answers = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            // As Ratis' submit: it waits for the division's lock.
            coalescer = new EntryCoalescer(2, answers, 1 << 20, data -> {
                synchronized (division) {
                    final CompletableFuture<EntryOutcome> commit = new CompletableFuture<>();
                    commits.add(commit);
                    return new EntryCoalescer.EntryFutures(new CompletableFuture<>(), commit);
                }
            });
            final CompletableFuture<AppendResult> first = coalescer.submit(batch(), Acks.ALL);
            final Thread[] sender = new Thread[1];
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () -> {
                synchronized (division) {
                    // A produce thread sends the next entry and waits inside "Ratis" with the coalescer locked.
                    sender[0] = new Thread(() -> coalescer.submit(batch(), Acks.ALL), "produce");
                    sender[0].start();
                    await().atMost(java.time.Duration.ofSeconds(5))
                        .until(() -> sender[0].getState() == Thread.State.BLOCKED);
                    // "Ratis" answers the first entry while holding the division's lock, as a step-down does.
                    commits.get(0).completeExceptionally(new NotLeaderException(new PartitionId("orders", 0), "n0",
                        null));
                }
                sender[0].join();
            });
            await().atMost(java.time.Duration.ofSeconds(5)).until(first::isDone);
            assertThat(first).isCompletedExceptionally();
            assertThat(commits).hasSize(2);
        } finally {
            answers.shutdownNow();
        }
    }
}
