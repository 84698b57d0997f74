package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Pins the worked example of core-log/FORMAT.md, so the document and the encoder cannot drift apart. */
class FormatExampleTest {

    private static final String WORKED_EXAMPLE_HEX = ""
        + "000000000000002a" + "0000004e" + "ffffffffffffffff" + "ffffffffffffffff" + "01" + "c622acfa"
        + "0000" + "00000000" + "0000018bcfe56800" + "0000018bcfe56800" + "ffffffffffffffff" + "ffff"
        + "ffffffff" + "00000001"
        + "20" + "00" + "00" + "00" + "02" + "6b" + "0a" + "68656c6c6f" + "02" + "02" + "68" + "02" + "76";

    /** The same record with codec LZ4: 17 record bytes become one LZ4 literal run (token f0, length 15 + 2). */
    private static final String LZ4_EXAMPLE_HEX = ""
        + "000000000000002a" + "00000054" + "ffffffffffffffff" + "ffffffffffffffff" + "01" + "aee91227"
        + "0001" + "00000000" + "0000018bcfe56800" + "0000018bcfe56800" + "ffffffffffffffff" + "ffff"
        + "ffffffff" + "00000001"
        + "00000011" + "f002"
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

    @Test
    void shouldEncodeAndDecodeTheLz4WorkedExampleOfFormatMd() {
        final RecordBatchBuilder builder = new RecordBatchBuilder(ByteBuffer.allocate(256)).baseOffset(42L)
            .compression(CompressionType.LZ4);
        builder.append(1_700_000_000_000L, TestBatches.utf8("k"), TestBatches.utf8("hello"),
            new Header("h", TestBatches.utf8("v")));

        final ByteBuffer built = builder.build();

        assertThat(TestBatches.hex(built)).isEqualTo(LZ4_EXAMPLE_HEX);
        final ByteBuffer pinned = ByteBuffer.wrap(HexFormat.of().parseHex(LZ4_EXAMPLE_HEX));
        final RecordBatch batch = new RecordBatch().wrap(pinned, 0);
        batch.ensureValid(1 << 20);
        final RecordCursor cursor = new RecordCursor().reset(batch);
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.offset()).isEqualTo(42L);
        assertThat(cursor.keyString()).isEqualTo("k");
        assertThat(cursor.valueString()).isEqualTo("hello");
        assertThat(cursor.nextHeader()).isTrue();
        assertThat(cursor.headerKey()).isEqualTo("h");
        assertThat(cursor.headerValue()).isEqualTo(TestBatches.utf8("v"));
        assertThat(cursor.next()).isFalse();
    }
}
