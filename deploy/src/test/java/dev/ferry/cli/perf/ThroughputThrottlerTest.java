package dev.ferry.cli.perf;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ThroughputThrottlerTest {
    @Test
    void shouldPaceRecordsToTheTargetRate() {
        final long start = System.nanoTime();
        final ThroughputThrottler t = new ThroughputThrottler(2000, start);
        for (int i = 0; i < 401; i++) {
            t.acquire();
        }
        // record 400 is due 200 ms after the start
        assertThat((System.nanoTime() - start) / 1_000_000).isBetween(199L, 1000L);
    }

    @Test
    void shouldNotWaitWhenUnlimited() {
        final ThroughputThrottler t = new ThroughputThrottler(ThroughputThrottler.UNLIMITED, System.nanoTime());
        final long start = System.nanoTime();
        for (int i = 0; i < 1_000_000; i++) {
            t.acquire();
        }
        assertThat(t.limited()).isFalse();
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000L);
    }

    @Test
    void shouldEscapeJsonStrings() {
        assertThat(new JsonSummary().put("topic", "a\"b\\c").put("n", 3).put("x", 1.5).toString())
            .isEqualTo("{\"topic\":\"a\\\"b\\\\c\",\"n\":3,\"x\":1.500}");
    }
}
