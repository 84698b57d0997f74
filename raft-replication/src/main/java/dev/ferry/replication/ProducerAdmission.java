package dev.ferry.replication;

import dev.ferry.log.record.RecordBatch;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's gate for idempotent producers, before a batch becomes a Raft entry: a retry of a stored batch
 * is answered with its stored offsets, a retry of a batch still being replicated waits for that batch's
 * answer, and a sequence gap or a fenced epoch is refused. Only batches that every replica will store reach
 * the Raft log, so an entry's data is always what the replicas stored and can be read back for followers.
 *
 * <p>Thread-safe: request threads call {@link #admit} and {@link #track} under the gate's lock.
 */
final class ProducerAdmission {
    private record InFlight(short epoch, int firstSeq, int lastSeq, CompletableFuture<AppendResult> result) {
    }

    private final PartitionId partition;
    private final PartitionStateMachine sm;
    private final Map<Long, ArrayDeque<InFlight>> inFlight = new HashMap<>();

    ProducerAdmission(final PartitionId partition, final PartitionStateMachine sm) {
        this.partition = partition;
        this.sm = sm;
    }

    /**
     * @param batch one validated batch with a producer id
     * @return null to admit the batch (then {@link #track} it), or the answer to give without a new entry
     */
    synchronized CompletableFuture<AppendResult> admit(final RecordBatch batch) {
        final ArrayDeque<InFlight> pending = inFlight.get(batch.producerId());
        final short epoch = batch.producerEpoch();
        final int firstSeq = batch.baseSequence();
        final int lastSeq = ProducerStateTracker.lastSequence(batch);
        if (pending != null && !pending.isEmpty()) {
            for (final InFlight f : pending) {
                if (f.epoch == epoch && f.firstSeq == firstSeq && f.lastSeq == lastSeq) {
                    return f.result;
                }
            }
            final InFlight last = pending.peekLast();
            if (epoch < last.epoch) {
                return refused(batch, ProducerStateTracker.Verdict.FENCED);
            }
            final int expected = epoch == last.epoch ? ProducerStateTracker.nextSequence(last.lastSeq) : 0;
            if (firstSeq == expected) {
                return null;
            }
            // A retry of a batch stored before the ones in flight (its answer was lost): answer with its offsets.
            final long[] duplicate = new long[2];
            return sm.checkProducer(batch, duplicate) == ProducerStateTracker.Verdict.DUPLICATE
                ? duplicateAnswer(batch, duplicate)
                : refused(batch, ProducerStateTracker.Verdict.OUT_OF_ORDER);
        }
        final long[] duplicate = new long[2];
        final ProducerStateTracker.Verdict verdict = sm.checkProducer(batch, duplicate);
        switch (verdict) {
            case APPEND:
                return null;
            case DUPLICATE:
                return duplicateAnswer(batch, duplicate);
            default:
                return refused(batch, verdict);
        }
    }

    /**
     * Remembers an admitted batch until its answer is known.
     *
     * @param batch the admitted batch
     * @param result its answer
     */
    synchronized void track(final RecordBatch batch, final CompletableFuture<AppendResult> result) {
        final long producerId = batch.producerId();
        final InFlight f = new InFlight(batch.producerEpoch(), batch.baseSequence(),
            ProducerStateTracker.lastSequence(batch), result);
        inFlight.computeIfAbsent(producerId, id -> new ArrayDeque<>()).addLast(f);
        result.whenComplete((r, e) -> {
            synchronized (this) {
                final ArrayDeque<InFlight> q = inFlight.get(producerId);
                if (q != null) {
                    if (e != null) {
                        // Not stored: the producer's retry of this batch must be admitted again.
                        q.remove(f);
                    }
                    // Answers of two entries may complete in either order (different threads); stored batches
                    // leave from the head only, so the tail stays the newest admitted batch that admit compares
                    // with. Dropping a later batch first refused the next one as OUT_OF_ORDER (found by ferry perf).
                    while (!q.isEmpty() && q.peekFirst().result.isDone()
                        && !q.peekFirst().result.isCompletedExceptionally()) {
                        q.pollFirst();
                    }
                    if (q.isEmpty()) {
                        inFlight.remove(producerId);
                    }
                }
            }
        });
    }

    private CompletableFuture<AppendResult> duplicateAnswer(final RecordBatch batch, final long[] duplicate) {
        // Producer state follows the log as written, committed or not (an acks=1 answer comes before the commit);
        // only a committed copy may answer, since an uncommitted one may yet be truncated by the next leader.
        final long highWatermark = sm.highWatermark().offset();
        if (duplicate[1] >= highWatermark) {
            return CompletableFuture.failedFuture(new UncommittedDuplicateException("retried batch is "
                + "written but not committed yet: partition=" + partition + " producerId=" + batch.producerId()
                + " baseSequence=" + batch.baseSequence() + " offsets=" + duplicate[0] + ".." + duplicate[1]
                + " highWatermark=" + highWatermark));
        }
        return CompletableFuture.completedFuture(new AppendResult(duplicate[0], duplicate[1], -1));
    }

    private CompletableFuture<AppendResult> refused(final RecordBatch batch, final ProducerStateTracker.Verdict v) {
        return CompletableFuture.failedFuture(new ProducerSequenceException("idempotent producer batch refused: "
            + v + " partition=" + partition + " producerId=" + batch.producerId() + " epoch=" + batch.producerEpoch()
            + " baseSequence=" + batch.baseSequence(), v == ProducerStateTracker.Verdict.FENCED));
    }
}
