package dev.ferry.chaos.nemesis;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DamageSegmentTest {
    private static byte[] segment(final int size) {
        final byte[] b = new byte[size];
        new Random(1).nextBytes(b);
        return b;
    }

    @Test
    void flipsBitsOnlyInTheMiddleThirdAndKeepsTheLength() {
        final byte[] original = segment(3000);
        final byte[] damaged = DamageSegment.flipBits(original, new Random(7));
        assertThat(damaged).hasSameSizeAs(original).isNotEqualTo(original);
        for (int i = 0; i < original.length; i++) {
            if (damaged[i] != original[i]) {
                assertThat(i).isBetween(1000, 1999);
            }
        }
    }

    @Test
    void cutsWithinTheMiddleThirdKeepingThePrefix() {
        final byte[] original = segment(3000);
        final byte[] cut = DamageSegment.cutShort(original, new Random(7));
        assertThat(cut.length).isBetween(1000, 1999);
        for (int i = 0; i < cut.length; i++) {
            assertThat(cut[i]).isEqualTo(original[i]);
        }
    }

    @Test
    void sameSeedSameDamage() {
        final byte[] original = segment(3000);
        assertThat(DamageSegment.flipBits(original, new Random(3))).isEqualTo(
            DamageSegment.flipBits(original, new Random(3)));
    }

    @Test
    void losesAtMostTheTailBoundKeepingThePrefix() {
        final byte[] original = segment(3_000_000);
        final byte[] cut = LoseUnsyncedTail.loseTail(original, new Random(9));
        assertThat(cut.length).isBetween(original.length - LoseUnsyncedTail.MAX_LOST_BYTES, original.length - 1);
        for (int i = 0; i < cut.length; i += 997) {
            assertThat(cut[i]).isEqualTo(original[i]);
        }
        assertThat(LoseUnsyncedTail.loseTail(new byte[10], new Random(9)).length).isBetween(5, 9);
    }
}
