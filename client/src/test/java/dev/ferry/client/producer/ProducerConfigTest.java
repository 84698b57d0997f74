package dev.ferry.client.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

class ProducerConfigTest {
    private static Map<String, Object> base() {
        final Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092, 127.0.0.1:9093");
        return m;
    }

    @Test
    void defaultsAreKafkas() {
        final ProducerConfig c = ProducerConfig.from(base());
        assertThat(c.bootstrapServers()).containsExactly("127.0.0.1:9092", "127.0.0.1:9093");
        assertThat(c.acks()).isEqualTo(-1);
        assertThat(c.lingerMs()).isEqualTo(5);
        assertThat(c.batchSize()).isEqualTo(65_536);
        assertThat(c.bufferMemory()).isEqualTo(32L << 20);
        assertThat(c.maxBlockMs()).isEqualTo(60_000);
        assertThat(c.retryBackoffMs()).isEqualTo(100);
        assertThat(c.deliveryTimeoutMs()).isEqualTo(120_000);
        assertThat(c.requestTimeoutMs()).isEqualTo(30_000);
        assertThat(c.maxInFlight()).isEqualTo(5);
        assertThat(c.idempotence()).isTrue();
        assertThat(c.maxRequestSize()).isEqualTo(1_048_576);
    }

    @Test
    void maxRequestSizeIsValidated() {
        final Map<String, Object> m = base();
        m.put("max.request.size", "4096");
        assertThat(ProducerConfig.from(m).maxRequestSize()).isEqualTo(4_096);
        m.put("max.request.size", 0);
        assertThatThrownBy(() -> ProducerConfig.from(m)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("max.request.size=0");
    }

    @Test
    void acceptsNumbersStringsAndLists() {
        final Map<String, Object> m = base();
        m.put("bootstrap.servers", List.of("h:1"));
        m.put("acks", "1");
        m.put("linger.ms", 20);
        m.put("batch.size", "1024");
        final ProducerConfig c = ProducerConfig.from(m);
        assertThat(c.acks()).isEqualTo(1);
        assertThat(c.idempotence()).as("off when not asked for and acks=1").isFalse();
        assertThat(c.lingerMs()).isEqualTo(20);
        assertThat(c.batchSize()).isEqualTo(1024);
    }

    @Test
    void acceptsEveryCodecOfTheBatchFormat() {
        for (final String codec : new String[] {"none", "lz4", "zstd", "snappy", "ZSTD"}) {
            assertThat(ProducerConfig.from(Map.of("bootstrap.servers", "127.0.0.1:9092", "compression.type", codec))
                .compression().name()).isEqualToIgnoringCase(codec);
        }
    }

    @Test
    void invalidValuesNameTheKey() {
        assertThatThrownBy(() -> ProducerConfig.from(Map.of())).hasMessageContaining("bootstrap.servers");
        assertThat(bad("acks", "2")).contains("acks=2");
        assertThat(bad("linger.ms", "soon")).contains("linger.ms=soon");
        assertThat(bad("batch.size", -1)).contains("batch.size");
        assertThat(bad("compression.type", "gzip")).contains("compression.type=gzip")
            .contains("none, lz4, zstd, snappy");
        assertThat(bad("enable.idempotence", "maybe")).contains("enable.idempotence");
        assertThat(bad("no.such.key", 1)).contains("no.such.key");
        assertThat(bad("bootstrap.servers", "nohost")).contains("bootstrap.servers");
        final Map<String, Object> m = base();
        m.put("enable.idempotence", true);
        m.put("acks", 1);
        assertThatThrownBy(() -> ProducerConfig.from(m)).hasMessageContaining("acks");
        m.put("acks", "all");
        m.put("max.in.flight.requests.per.connection", 6);
        assertThatThrownBy(() -> ProducerConfig.from(m))
            .hasMessageContaining("max.in.flight.requests.per.connection");
    }

    private static String bad(final String key, final Object value) {
        final Map<String, Object> m = base();
        m.put(key, value);
        try {
            ProducerConfig.from(m);
        } catch (final IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted " + key + "=" + value);
    }
}
