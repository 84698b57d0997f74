package dev.ferry.node.group;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordCursor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffsetRecordCodecTest {

    @Test
    void shouldRoundTripKeysAndValues() {
        final TopicPartition tp = new TopicPartition("orders", 4);
        final OffsetRecordCodec.Key key = OffsetRecordCodec.decodeKey(OffsetRecordCodec.encodeKey("grüppe", tp));
        assertThat(key).isEqualTo(new OffsetRecordCodec.Key("grüppe", tp));
        final OffsetAndMetadata v = new OffsetAndMetadata(42, "meta", 1_700_000_000_000L);
        assertThat(OffsetRecordCodec.decodeValue(OffsetRecordCodec.encodeValue(v))).isEqualTo(v);
        assertThat(OffsetRecordCodec.decodeValue(null)).isNull();
    }

    @Test
    void shouldRejectMalformedRecordsWithAMessageAndSkipUnknownKeyVersions() {
        final byte[] key = OffsetRecordCodec.encodeKey("g", new TopicPartition("t", 0));
        assertThatThrownBy(() -> OffsetRecordCodec.decodeKey(java.util.Arrays.copyOf(key, key.length - 1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        final byte[] badLength = key.clone();
        badLength[2] = 0x7f;
        assertThatThrownBy(() -> OffsetRecordCodec.decodeKey(badLength))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("string length");
        assertThat(OffsetRecordCodec.decodeKey(new byte[] {0, 9, 1, 2})).isNull();
        assertThatThrownBy(() -> OffsetRecordCodec.decodeValue(new byte[] {0, 1, 0}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }

    @Test
    void shouldEncodeACommitAsValidBatchesWithTombstones() {
        final Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (int p = 0; p < 3000; p++) {
            final OffsetAndMetadata value = p % 2 == 0 ? null : new OffsetAndMetadata(p, "x".repeat(1000), 1);
            commits.put(new TopicPartition("t", p), value);
        }
        final ByteBuffer buf = OffsetStore.encode("g", commits);
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        int pos = 0;
        int batches = 0;
        int records = 0;
        int tombstones = 0;
        while (pos < buf.limit()) {
            batch.wrap(buf, pos);
            batch.ensureValid(1 << 20);
            cursor.reset(batch);
            while (cursor.next()) {
                records++;
                if (cursor.value() == null) {
                    tombstones++;
                }
            }
            pos += batch.sizeInBytes();
            batches++;
        }
        assertThat(records).isEqualTo(3000);
        assertThat(tombstones).isEqualTo(1500);
        assertThat(batches).isGreaterThan(1);
    }
}
