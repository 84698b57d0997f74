package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecordBatchLayoutTest {

    @Test
    void shouldPlaceEveryFieldAtTheOffsetTheSpecTableGives() {
        assertThat(RecordBatchLayout.BASE_OFFSET_OFFSET).isEqualTo(0);
        assertThat(RecordBatchLayout.BATCH_LENGTH_OFFSET).isEqualTo(8);
        assertThat(RecordBatchLayout.LEADER_TERM_OFFSET).isEqualTo(12);
        assertThat(RecordBatchLayout.RAFT_INDEX_OFFSET).isEqualTo(20);
        assertThat(RecordBatchLayout.MAGIC_OFFSET).isEqualTo(28);
        assertThat(RecordBatchLayout.CRC_OFFSET).isEqualTo(29);
        assertThat(RecordBatchLayout.ATTRIBUTES_OFFSET).isEqualTo(33);
        assertThat(RecordBatchLayout.CRC_COVERAGE_OFFSET).isEqualTo(33);
        assertThat(RecordBatchLayout.LAST_OFFSET_DELTA_OFFSET).isEqualTo(35);
        assertThat(RecordBatchLayout.BASE_TIMESTAMP_OFFSET).isEqualTo(39);
        assertThat(RecordBatchLayout.MAX_TIMESTAMP_OFFSET).isEqualTo(47);
        assertThat(RecordBatchLayout.PRODUCER_ID_OFFSET).isEqualTo(55);
        assertThat(RecordBatchLayout.PRODUCER_EPOCH_OFFSET).isEqualTo(63);
        assertThat(RecordBatchLayout.BASE_SEQUENCE_OFFSET).isEqualTo(65);
        assertThat(RecordBatchLayout.RECORD_COUNT_OFFSET).isEqualTo(69);
        assertThat(RecordBatchLayout.RECORDS_OFFSET).isEqualTo(73);
        assertThat(RecordBatchLayout.HEADER_SIZE).isEqualTo(73);
        assertThat(RecordBatchLayout.LOG_OVERHEAD).isEqualTo(12);
        assertThat(RecordBatchLayout.MIN_BATCH_LENGTH).isEqualTo(61);
        assertThat(RecordBatchLayout.CURRENT_MAGIC).isEqualTo((byte) 1);
        assertThat(RecordBatchLayout.RESERVED_ATTRIBUTES_MASK).isEqualTo(0xFFF0);
    }

    @Test
    void shouldMapCompressionIdsBothWaysAndRejectUnknownIds() {
        for (final CompressionType type : CompressionType.values()) {
            assertThat(CompressionType.forId(type.id())).isSameAs(type);
        }
        assertThatThrownBy(() -> CompressionType.forId(7))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("unknown compression codec: id=7");
    }
}
