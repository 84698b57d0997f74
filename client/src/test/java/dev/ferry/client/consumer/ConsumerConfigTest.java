package dev.ferry.client.consumer;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsumerConfigTest {
    @Test
    void defaultsAreKafkas() {
        final ConsumerConfig c = ConsumerConfig.from(Map.of("bootstrap.servers", "a:1, b:2"));
        assertThat(c.bootstrapServers()).containsExactly("a:1", "b:2");
        assertThat(c.enableAutoCommit()).isTrue();
        assertThat(c.autoCommitIntervalMs()).isEqualTo(5000);
        assertThat(c.fetchMinBytes()).isEqualTo(1);
        assertThat(c.fetchMaxWaitMs()).isEqualTo(500);
        assertThat(c.fetchMaxBytes()).isEqualTo(50 << 20);
        assertThat(c.maxPartitionFetchBytes()).isEqualTo(1 << 20);
        assertThat(c.maxPollRecords()).isEqualTo(500);
        assertThat(c.defaultApiTimeoutMs()).isEqualTo(60_000);
        assertThat(c.autoOffsetReset()).isEqualTo("latest");
        assertThat(c.groupRemoteAssignor()).isEqualTo("sticky");
        assertThat(c.hasGroup()).isFalse();
    }

    @Test
    void readsValuesOfAnyType() {
        final ConsumerConfig c = ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "group.id", "g",
            "enable.auto.commit", false, "max.poll.records", 7, "auto.offset.reset", "EARLIEST",
            "group.remote.assignor", "range", "client.rack", "r1"));
        assertThat(c.hasGroup()).isTrue();
        assertThat(c.enableAutoCommit()).isFalse();
        assertThat(c.maxPollRecords()).isEqualTo(7);
        assertThat(c.autoOffsetReset()).isEqualTo("earliest");
        assertThat(c.groupRemoteAssignor()).isEqualTo("range");
        assertThat(c.clientRack()).isEqualTo("r1");
    }

    @Test
    void invalidValuesNameTheKey() {
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of())).hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "auto.offset.reset",
            "smallest"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto.offset.reset");
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "max.poll.records", "0")))
            .hasMessageContaining("max.poll.records");
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "fetch.max.wait.ms", "x")))
            .hasMessageContaining("fetch.max.wait.ms");
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "enable.auto.commit",
            "yes"))).hasMessageContaining("enable.auto.commit");
        assertThatThrownBy(() -> ConsumerConfig.from(Map.of("bootstrap.servers", "a:1", "group.remote.assignor",
            "roundrobin"))).hasMessageContaining("group.remote.assignor");
    }
}
