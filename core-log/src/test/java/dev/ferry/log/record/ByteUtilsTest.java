package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteUtilsTest {

    private static ByteBuffer bytes(final int... values) {
        final ByteBuffer buffer = ByteBuffer.allocate(values.length);
        for (final int value : values) {
            buffer.put((byte) value);
        }
        return buffer.flip();
    }

    @Test
    void shouldEncodeVarintsAsZigZagLikeKafka() {
        final int[][] cases = {
            {0, 0x00}, {-1, 0x01}, {1, 0x02}, {63, 0x7e}, {-64, 0x7f}, {64, 0x80, 0x01}, {300, 0xd8, 0x04},
            {Integer.MAX_VALUE, 0xfe, 0xff, 0xff, 0xff, 0x0f}, {Integer.MIN_VALUE, 0xff, 0xff, 0xff, 0xff, 0x0f},
        };
        for (final int[] c : cases) {
            final ByteBuffer buffer = ByteBuffer.allocate(8);
            final int written = ByteUtils.writeVarint(c[0], buffer, 1);
            assertThat(written).as("size of %d", c[0]).isEqualTo(c.length - 1).isEqualTo(ByteUtils.sizeOfVarint(c[0]));
            for (int i = 1; i < c.length; i++) {
                assertThat(buffer.get(i) & 0xff).as("byte %d of %d", i, c[0]).isEqualTo(c[i]);
            }
            assertThat(ByteUtils.readVarint(buffer, 1)).isEqualTo(c[0]);
            assertThat(buffer.position()).isZero();
        }
    }

    @Test
    void shouldRoundTripRandomVarintsAndVarlongsWithExactSizes() {
        final Random random = new Random(0x5EEDL);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(16);
        for (int i = 0; i < 20_000; i++) {
            final int shift = random.nextInt(64);
            final long longValue = random.nextLong() >> shift;
            final int intValue = (int) (random.nextLong() >> (shift / 2 + 32));
            assertThat(ByteUtils.writeVarlong(longValue, buffer, 2)).isEqualTo(ByteUtils.sizeOfVarlong(longValue));
            assertThat(ByteUtils.readVarlong(buffer, 2)).isEqualTo(longValue);
            assertThat(ByteUtils.writeVarint(intValue, buffer, 3)).isEqualTo(ByteUtils.sizeOfVarint(intValue));
            assertThat(ByteUtils.readVarint(buffer, 3, 3 + ByteUtils.sizeOfVarint(intValue))).isEqualTo(intValue);
        }
        assertThat(ByteUtils.sizeOfVarlong(Long.MIN_VALUE)).isEqualTo(10);
        assertThat(ByteUtils.sizeOfVarlong(0L)).isEqualTo(1);
        final ByteBuffer min = ByteBuffer.allocate(10);
        ByteUtils.writeVarlong(Long.MIN_VALUE, min, 0);
        assertThat(ByteUtils.readVarlong(min, 0)).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void shouldRejectVarintRunningPastLimit() {
        assertThatThrownBy(() -> ByteUtils.readVarint(bytes(0x80, 0x80), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: runs past limit: index=0, limit=2");
        assertThatThrownBy(() -> ByteUtils.readVarint(bytes(0x80, 0x01), 0, 1))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: runs past limit: index=0, limit=1");
        assertThatThrownBy(() -> ByteUtils.readVarlong(bytes(0x81), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varlong: runs past limit: index=0, limit=1");
    }

    @Test
    void shouldRejectVarintLongerThanFiveBytes() {
        assertThatThrownBy(() -> ByteUtils.readVarint(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: longer than 5 bytes: index=0");
        assertThatThrownBy(() -> ByteUtils.readVarlong(
            bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varlong: longer than 10 bytes: index=0");
    }

    @Test
    void shouldRejectVarintOverflowingItsType() {
        assertThatThrownBy(() -> ByteUtils.readVarint(bytes(0xff, 0xff, 0xff, 0xff, 0x1f), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: value overflows: index=0, lastByte=0x1f");
        assertThatThrownBy(() -> ByteUtils.readVarlong(
            bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varlong: value overflows: index=0, lastByte=0x2");
    }

    @Test
    void shouldRejectNonCanonicalPaddedVarint() {
        assertThatThrownBy(() -> ByteUtils.readVarint(bytes(0x82, 0x00), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varint: non-canonical encoding: index=0, length=2");
        assertThatThrownBy(() -> ByteUtils.readVarlong(bytes(0x80, 0x80, 0x00), 0))
            .isExactlyInstanceOf(CorruptBatchException.class)
            .hasMessage("malformed varlong: non-canonical encoding: index=0, length=3");
    }

    @Test
    void shouldEncodeUtf8LikeTheJdkIncludingSurrogatePairsAndUnpairedSurrogates() {
        final String[] samples = {"", "plain", "caf\u00e9", "\u20ac100", "emoji \ud83d\ude80!", "lone \ud800 x",
            "end \udc00", "\ud83d"};
        for (final String sample : samples) {
            final byte[] expected = sample.getBytes(StandardCharsets.UTF_8);
            final ByteBuffer buffer = ByteBuffer.allocate(expected.length + 4);
            assertThat(ByteUtils.utf8Length(sample)).as(sample).isEqualTo(expected.length);
            assertThat(ByteUtils.writeUtf8(sample, buffer, 4)).isEqualTo(expected.length);
            final byte[] actual = new byte[expected.length];
            buffer.get(4, actual);
            assertThat(actual).as(sample).isEqualTo(expected);
        }
    }
}
