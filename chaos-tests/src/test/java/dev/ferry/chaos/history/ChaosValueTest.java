package dev.ferry.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

class ChaosValueTest {
    @Test
    void shouldDecodeTheIdAndMatchTheSendersChecksum() {
        final byte[] value = ChaosValue.encode("p1:42", 100);

        final ChaosValue.Decoded decoded = ChaosValue.decode(value);

        assertThat(value).hasSize(2 + 5 + 100 + 4);
        assertThat(decoded.valueId()).isEqualTo("p1:42");
        assertThat(decoded.intact()).isTrue();
        assertThat(decoded.checksum()).isEqualTo(ChaosValue.checksum(value));
    }

    @Test
    void shouldGiveDifferentValuesDifferentChecksums() {
        assertThat(ChaosValue.checksum(ChaosValue.encode("p1:1", 64)))
                .isNotEqualTo(ChaosValue.checksum(ChaosValue.encode("p1:2", 64)));
    }

    @Test
    void shouldSeeAFlippedBitInThePayload() {
        final byte[] value = ChaosValue.encode("p1:7", 32);
        final long sent = ChaosValue.checksum(value);
        value[20] ^= 0x10;

        final ChaosValue.Decoded decoded = ChaosValue.decode(value);

        assertThat(decoded.valueId()).isEqualTo("p1:7");
        assertThat(decoded.intact()).isFalse();
        assertThat(decoded.checksum()).isNotEqualTo(sent);
    }

    @Test
    void shouldNotNameAnIdInTruncatedBytes() {
        final byte[] value = ChaosValue.encode("p1:7", 32);

        assertThat(ChaosValue.decode(Arrays.copyOf(value, 5)).valueId()).isNull();
        assertThat(ChaosValue.decode(new byte[1]).intact()).isFalse();
        assertThat(ChaosValue.decode(null).valueId()).isNull();
    }

    @Test
    void shouldRefuseANegativePayload() {
        assertThatThrownBy(() -> ChaosValue.encode("x", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payloadBytes=-1");
    }

    @Property(tries = 500)
    void shouldNeverThrowOnArbitraryBytes(@ForAll final byte[] bytes) {
        final ChaosValue.Decoded decoded = ChaosValue.decode(bytes);

        assertThat(decoded.checksum()).isEqualTo(ChaosValue.checksum(bytes));
    }
}
