package dev.ferry.client.producer;

import dev.ferry.client.TopicPartition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

class RecordAccumulatorTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final ClusterMetadata METADATA = ClusterMetadata.EMPTY.merge(MetadataResponse.newBuilder()
        .addNodes(NodeEndpoint.newBuilder().setNodeId(1).setHost("127.0.0.1").setPort(1))
        .addTopics(TopicMetadata.newBuilder().setName("t")
            .addPartitions(PartitionMetadata.newBuilder().setPartition(0).setLeaderId(1)))
        .build());

    private final RecordAccumulator accumulator = new RecordAccumulator(ProducerConfig.from(Map.of(
        "bootstrap.servers", "127.0.0.1:1", "batch.size", 200, "linger.ms", 1_000_000, "retry.backoff.ms", 0,
        "request.timeout.ms", 1000, "delivery.timeout.ms", 2_000_000)), new BufferPool(10_000, 200));

    private CompletableFuture<RecordMetadata> append(final int i) throws InterruptedException {
        return accumulator.append(TP, 1000 + i, new byte[] {(byte) i}, new byte[20], RecordBatchBuilder.NO_HEADERS,
            null, 0, false).future();
    }

    private Map<Integer, List<ProducerBatch>> drain() {
        return accumulator.drain(METADATA, System.currentTimeMillis(), n -> true, new HashSet<>());
    }

    @Test
    void fillsBatchesWithSequencesAndCompletesOffsets() throws Exception {
        accumulator.producerId(42, (short) 3);
        final List<CompletableFuture<RecordMetadata>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(append(i));
        }
        final ProducerBatch first = drain().get(1).get(0);
        final RecordBatch view = new RecordBatch().wrap(first.close(), 0);
        view.ensureValid(Integer.MAX_VALUE);
        assertThat(view.producerId()).isEqualTo(42);
        assertThat(view.producerEpoch()).isEqualTo((short) 3);
        assertThat(view.baseSequence()).isZero();
        final int n = view.recordCount();
        assertThat(n).isBetween(2, 9);
        accumulator.completed(first, 100);
        final ProducerBatch second = drain().get(1).get(0);
        assertThat(second.baseSequence).isEqualTo(n);
        assertThat(futures.get(0).join().offset()).isEqualTo(100);
        assertThat(futures.get(n - 1).join().offset()).isEqualTo(100 + n - 1);
        assertThat(futures.get(n)).isNotDone();
        assertThat(futures.get(0).join().timestamp()).isEqualTo(1000);
    }

    @Test
    void lingeringBatchIsNotReadyUntilFlushed() throws Exception {
        append(0);
        assertThat(drain()).isEmpty();
        accumulator.beginFlush();
        assertThat(drain().get(1)).hasSize(1);
        accumulator.endFlush();
    }

    @Test
    void retriedBatchesGoAgainInSequenceOrderBeforeNewerOnes() throws Exception {
        accumulator.producerId(1, (short) 0);
        for (int i = 0; i < 40; i++) {
            append(i);
        }
        final ProducerBatch b0 = drain().get(1).get(0);
        assertThat(drain()).as("one batch in flight until the broker knows the producer").isEmpty();
        accumulator.completed(b0, 0);
        final ProducerBatch b1 = drain().get(1).get(0);
        final ProducerBatch b2 = drain().get(1).get(0);
        final long now = System.currentTimeMillis();
        assertThat(accumulator.hasOlderUnacked(b2)).isTrue();
        assertThat(accumulator.hasOlderUnacked(b1)).isFalse();
        assertThat(accumulator.failedAttempt(b2, FerryException.of(ErrorCode.OUT_OF_ORDER_SEQUENCE, "gap"), true,
            now)).isTrue();
        assertThat(drain()).as("halted while b1 is in flight").isEmpty();
        assertThat(accumulator.failedAttempt(b1, FerryException.of(ErrorCode.NOT_LEADER, "moved"), true, now))
            .isTrue();
        assertThat(drain().get(1)).containsExactly(b1);
        assertThat(drain().get(1)).containsExactly(b2);
        final ByteBuffer again = b1.close();
        assertThat(new RecordBatch().wrap(again, 0).baseSequence()).as("a retry keeps its sequence")
            .isEqualTo(b0.recordCount());
    }

    @Test
    void nonRetriableFailureFailsEveryRecordOfTheBatch() throws Exception {
        final CompletableFuture<RecordMetadata> f = append(0);
        accumulator.beginFlush();
        final ProducerBatch b = drain().get(1).get(0);
        accumulator.failedAttempt(b, FerryException.of(ErrorCode.BATCH_TOO_LARGE, "big"), false,
            System.currentTimeMillis());
        assertThat(f).isCompletedExceptionally();
        assertThat(accumulator.hasIncomplete()).isFalse();
    }

    @Test
    void afterABatchFailedForGoodBatchesNotStoredGetSequencesFromZeroUnderANewProducerId() throws Exception {
        accumulator.producerId(1, (short) 0);
        for (int i = 0; i < 40; i++) {
            append(i);
        }
        final ProducerBatch b0 = drain().get(1).get(0);
        accumulator.completed(b0, 0);
        final ProducerBatch b1 = drain().get(1).get(0);
        final ProducerBatch b2 = drain().get(1).get(0);
        final long now = System.currentTimeMillis();
        assertThat(accumulator.failedAttempt(b1, FerryException.of(ErrorCode.CORRUPT_BATCH, "bad"), false, now))
            .isFalse();
        assertThat(accumulator.hasGap(TP)).isTrue();
        assertThat(accumulator.resetReady()).as("b2 is still in flight").isFalse();
        assertThat(drain()).as("nothing new goes under the old producer id").isEmpty();
        accumulator.awaitNewSequence(b2, now);
        assertThat(accumulator.resetReady()).isTrue();

        accumulator.resetProducerId(7, (short) 0);
        assertThat(accumulator.resetReady()).isFalse();
        assertThat(accumulator.hasGap(TP)).isFalse();
        final ProducerBatch again = drain().get(1).get(0);
        assertThat(again).isSameAs(b2);
        final RecordBatch view = new RecordBatch().wrap(again.close(), 0);
        view.ensureValid(Integer.MAX_VALUE);
        assertThat(view.producerId()).isEqualTo(7);
        assertThat(view.baseSequence()).isZero();
        assertThat(drain()).as("one batch in flight until the broker knows the new producer").isEmpty();
        accumulator.completed(b2, 10);
        final ProducerBatch b3 = drain().get(1).get(0);
        final RecordBatch next = new RecordBatch().wrap(b3.close(), 0);
        next.ensureValid(Integer.MAX_VALUE);
        assertThat(next.producerId()).isEqualTo(7);
        assertThat(next.baseSequence()).isEqualTo(b2.recordCount());
    }

    @Test
    void noMoreBatchesOfAPartitionAreUnacknowledgedThanTheBrokerRemembers() throws Exception {
        accumulator.producerId(1, (short) 0);
        for (int i = 0; i < 100; i++) {
            append(i);
        }
        accumulator.completed(drain().get(1).get(0), 0);
        int drained = 0;
        for (int i = 0; i < 10; i++) {
            drained += drain().getOrDefault(1, List.of()).size();
        }
        assertThat(drained).isEqualTo(5);
    }

    @Test
    void compressedBatchesReuseTheirScratchBuffers() throws Exception {
        final RecordAccumulator lz4 = new RecordAccumulator(ProducerConfig.from(Map.of(
            "bootstrap.servers", "127.0.0.1:1", "batch.size", 512, "linger.ms", 1_000_000, "compression.type", "lz4",
            "request.timeout.ms", 1000, "delivery.timeout.ms", 2_000_000)), new BufferPool(100_000, 512));
        lz4.producerId(1, (short) 0);
        int batches = 0;
        for (int round = 0; round < 200; round++) {
            lz4.append(TP, 1000 + round, new byte[] {(byte) round}, new byte[30], RecordBatchBuilder.NO_HEADERS,
                null, 0, false);
            for (final List<ProducerBatch> drained : lz4.drain(METADATA, System.currentTimeMillis(), n -> true,
                new HashSet<>()).values()) {
                for (final ProducerBatch b : drained) {
                    new RecordBatch().wrap(b.close(), 0).ensureValid(Integer.MAX_VALUE);
                    lz4.completed(b, batches);
                    batches++;
                }
            }
        }
        assertThat(batches).as("full batches were sent").isGreaterThan(10);
        assertThat(lz4.scratchPool().allocatedCount()).as("scratch buffers allocated for %d batches", batches)
            .isLessThanOrEqualTo(2);
    }
}
