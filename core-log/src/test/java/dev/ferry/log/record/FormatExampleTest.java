package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Pins the worked example of core-log/FORMAT.md, so the document and the encoder cannot drift apart. */
class FormatExampleTest {

    private static final String WORKED_EXAMPLE_HEX = ""
        + "000000000000002a" + "0000004e" + "ffffffffffffffff" + "ffffffffffffffff" + "01" + "c622acfa"
        + "0000" + "00000000" + "0000018bcfe56800" + "0000018bcfe56800" + "ffffffffffffffff" + "ffff"
        + "ffffffff" + "00000001"
        + "20" + "00" + "00" + "00" + "02" + "6b" + "0a" + "68656c6c6f" + "02" + "02" + "68" + "02" + "76";

    @Test
    void shouldEncodeTheWorkedExampleOfFormatMdByteForByte() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256)).baseOffset(42L);
        builder.append(1_700_000_000_000L, TestBatches.utf8("k"), TestBatches.utf8("hello"),
            new Header("h", TestBatches.utf8("v")));

        final ByteBuffer batch = builder.build();

        assertThat(TestBatches.hex(batch)).isEqualTo(WORKED_EXAMPLE_HEX);
        assertThat(batch.limit()).isEqualTo(90);
        new RecordBatch().wrap(batch, 0).ensureValid(1 << 20);
    }
}
