package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordBatchLayout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The client-side checks of a Fetch response's record batches, on crafted responses. */
class FetcherParseTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);
    private static final TopicPartition TP1 = new TopicPartition("t", 1);

    private static ByteBuffer batch(final long baseOffset, final int records) {
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(4096)).baseOffset(baseOffset);
        for (int i = 0; i < records; i++) {
            b.append(1000 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                ("v" + (baseOffset + i)).getBytes(StandardCharsets.UTF_8),
                new Header("h", new byte[] {(byte) i}));
        }
        return b.build();
    }

    private static FetchPartitionResult result(final TopicPartition tp, final int bytes) {
        return FetchPartitionResult.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
            .setHighWatermark(100).setRecordsBytes(bytes).build();
    }

    @Test
    void readsRecordsAndSkipsThoseBeforeTheFetchOffsetInTheFirstBatch() {
        final ByteBuffer b1 = batch(10, 5);
        final ByteBuffer b2 = batch(15, 3);
        final ByteBuf records = Unpooled.wrappedBuffer(b1, b2);
        final FetchResponse body = FetchResponse.newBuilder()
            .addResults(result(TP, b1.remaining() + b2.remaining())).build();

        final List<Fetcher.PartitionResult> out = Fetcher.parse(body, records, Map.of(TP, 12L));

        assertThat(out).hasSize(1);
        final List<ConsumerRecord> recs = out.get(0).records();
        assertThat(recs).extracting(ConsumerRecord::offset).containsExactly(12L, 13L, 14L, 15L, 16L, 17L);
        assertThat(new String(recs.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("v12");
        assertThat(recs.get(0).timestamp()).isEqualTo(1002);
        assertThat(recs.get(0).headers()).hasSize(1);
        assertThat(recs.get(0).headers().get(0).key()).isEqualTo("h");
        assertThat(out.get(0).failure()).isNull();
        assertThat(out.get(0).highWatermark()).isEqualTo(100);
    }

    @Test
    void corruptBatchIsAnErrorNamingPartitionAndOffsetNeverRecords() {
        final ByteBuffer good = batch(0, 2);
        final ByteBuffer bad = batch(2, 2);
        // Flip a byte of the last record's value: inside the CRC'd region.
        final int last = bad.limit() - 3;
        bad.put(last, (byte) (bad.get(last) ^ 0x5a));
        final ByteBuffer other = batch(7, 1);
        final ByteBuf records = Unpooled.wrappedBuffer(good, bad, other);
        final FetchResponse body = FetchResponse.newBuilder()
            .addResults(result(TP, good.remaining() + bad.remaining()))
            .addResults(result(TP1, other.remaining())).build();

        final List<Fetcher.PartitionResult> out = Fetcher.parse(body, records, Map.of(TP, 0L, TP1, 7L));

        final Fetcher.PartitionResult corrupt = out.get(0);
        assertThat(corrupt.records()).isEmpty();
        assertThat(corrupt.failure()).isInstanceOf(FerryException.class);
        assertThat(corrupt.failure().code()).isEqualTo(ErrorCode.CORRUPT_BATCH);
        assertThat(corrupt.failure().getMessage()).contains("partition=t-0").contains("offset=2");
        assertThat(out.get(1).records()).extracting(ConsumerRecord::offset).containsExactly(7L);
    }

    @Test
    void wrongCrcFieldIsCorrupt() {
        final ByteBuffer bad = batch(0, 1);
        bad.putInt(RecordBatchLayout.CRC_OFFSET, bad.getInt(RecordBatchLayout.CRC_OFFSET) + 1);
        final FetchResponse body = FetchResponse.newBuilder().addResults(result(TP, bad.remaining())).build();

        final Fetcher.PartitionResult r = Fetcher.parse(body, Unpooled.wrappedBuffer(bad), Map.of(TP, 0L)).get(0);

        assertThat(r.records()).isEmpty();
        assertThat(r.failure().code()).isEqualTo(ErrorCode.CORRUPT_BATCH);
        assertThat(r.failure().getMessage()).contains("CRC");
    }

    @Test
    void recordsBytesBeyondTheFrameIsCorrupt() {
        final ByteBuffer b = batch(0, 1);
        final FetchResponse body = FetchResponse.newBuilder().addResults(result(TP, b.remaining() + 10)).build();

        final Fetcher.PartitionResult r = Fetcher.parse(body, Unpooled.wrappedBuffer(b), Map.of(TP, 0L)).get(0);

        assertThat(r.records()).isEmpty();
        assertThat(r.failure().code()).isEqualTo(ErrorCode.CORRUPT_BATCH);
    }

    @Test
    void truncatedBatchIsCorrupt() {
        final ByteBuffer b = batch(0, 3);
        final ByteBuffer cut = b.duplicate().limit(b.limit() - 5);
        final FetchResponse body = FetchResponse.newBuilder().addResults(result(TP, cut.remaining())).build();

        final Fetcher.PartitionResult r = Fetcher.parse(body, Unpooled.wrappedBuffer(cut), Map.of(TP, 0L)).get(0);

        assertThat(r.records()).isEmpty();
        assertThat(r.failure().getMessage()).contains("partition=t-0");
    }
}
