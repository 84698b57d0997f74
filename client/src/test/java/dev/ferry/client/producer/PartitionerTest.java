package dev.ferry.client.producer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

class PartitionerTest {
    private static byte[] b(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The expected hashes are those of Kafka's UtilsTest.testMurmur2. */
    @Test
    void murmur2MatchesKafka() {
        assertThat(Partitioner.murmur2(b("21"))).isEqualTo(-973932308);
        assertThat(Partitioner.murmur2(b("foobar"))).isEqualTo(-790332482);
        assertThat(Partitioner.murmur2(b("a-little-bit-long-string"))).isEqualTo(-985981536);
        assertThat(Partitioner.murmur2(b("a-little-bit-longer-string"))).isEqualTo(-1486304829);
        assertThat(Partitioner.murmur2(b("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"))).isEqualTo(-58897971);
        assertThat(Partitioner.murmur2(new byte[] {'a', 'b', 'c'})).isEqualTo(479470107);
        assertThat(Partitioner.murmur2(new byte[0])).isEqualTo(275646681);
    }

    @Test
    void keyedPartitionIsPositiveHashModuloCount() {
        final Partitioner p = new Partitioner();
        assertThat(p.partition("t", null, b("foobar"), 6)).isEqualTo((-790332482 & 0x7fffffff) % 6);
        assertThat(p.partition("t", null, b("21"), 7)).isEqualTo((-973932308 & 0x7fffffff) % 7);
        assertThat(p.partition("t", 3, b("21"), 7)).isEqualTo(3);
    }

    @Test
    void nullKeysStickUntilNewBatch() {
        final Partitioner p = new Partitioner();
        final int first = p.partition("t", null, null, 4);
        for (int i = 0; i < 100; i++) {
            assertThat(p.partition("t", null, null, 4)).isEqualTo(first);
        }
        final Set<Integer> seen = new HashSet<>();
        int current = first;
        for (int i = 0; i < 200; i++) {
            final int next = p.onNewBatch("t", current, 4);
            assertThat(next).isNotEqualTo(current).isBetween(0, 3);
            assertThat(p.partition("t", null, null, 4)).isEqualTo(next);
            seen.add(next);
            current = next;
        }
        assertThat(seen).hasSize(4);
        assertThat(p.onNewBatch("one", 0, 1)).isZero();
    }
}
