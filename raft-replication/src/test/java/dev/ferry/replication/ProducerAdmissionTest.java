package dev.ferry.replication;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leader's admission gate with several batches of one producer in flight. The state machine behind the gate is
 * a real one that has stored nothing (never initialized: no log is opened), so every verdict comes from the
 * batches in flight or from an empty producer state.
 */
class ProducerAdmissionTest {
    private static final PartitionId P = new PartitionId("orders", 1);

    private static PartitionStateMachine emptyStateMachine() {
        return new PartitionStateMachine(P, "n0", Durability.REPLICATED, p -> {
            throw new AssertionError("the gate must not open the log");
        }, null, Runnable::run, ReplicaListener.NONE);
    }

    private static RecordBatch batch(final int seq, final int records) {
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(4096)).producerId(9)
            .producerEpoch((short) 0).baseSequence(seq);
        for (int i = 0; i < records; i++) {
            b.append(1000L, null, ("r" + (seq + i)).getBytes(StandardCharsets.UTF_8));
        }
        final ByteBuffer bytes = b.build();
        return new RecordBatch().wrap(bytes, bytes.position());
    }

    // Found by `ferry perf produce` (500,000 records, 6 partitions, acks=all): answers of two entries can complete on
    // different threads in either order. When the later batch's answer came first, the gate dropped it and compared
    // the next batch with the earlier one, refusing it as OUT_OF_ORDER; the producer, with nothing older unacked,
    // failed it and every later batch of the partition.
    @Test
    void shouldAdmitTheNextBatchWhenALaterInFlightBatchCompletesFirst() {
        final ProducerAdmission gate = new ProducerAdmission(P, emptyStateMachine());
        final CompletableFuture<AppendResult> first = new CompletableFuture<>();
        final CompletableFuture<AppendResult> second = new CompletableFuture<>();
        gate.track(batch(0, 5), first);
        assertThat(gate.admit(batch(5, 5))).isNull();
        gate.track(batch(5, 5), second);

        second.complete(new AppendResult(5, 9, 2));
        assertThat(gate.admit(batch(10, 5))).as("batch 10-14 follows 5-9, answered already").isNull();
        assertThat(gate.admit(batch(5, 5))).as("a retry of 5-9 gets its stored answer").isSameAs(second);
    }

    @Test
    void shouldAdmitARetryOfABatchThatFailed() {
        final ProducerAdmission gate = new ProducerAdmission(P, emptyStateMachine());
        final CompletableFuture<AppendResult> first = new CompletableFuture<>();
        final CompletableFuture<AppendResult> second = new CompletableFuture<>();
        gate.track(batch(0, 5), first);
        gate.track(batch(5, 5), second);

        second.completeExceptionally(new IllegalStateException("not stored"));
        assertThat(gate.admit(batch(5, 5))).as("the failed batch, sent again").isNull();
        assertThat(gate.admit(batch(10, 5)).isCompletedExceptionally()).as("a gap stays refused").isTrue();
    }
}
