package dev.ferry.client.admin;

import dev.ferry.client.TopicPartition;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdminConfigTest {
    @Test
    void takesKafkasKeysWithDefaults() {
        final AdminConfig c = AdminConfig.from(Map.of("bootstrap.servers", "a:1, b:2", "request.timeout.ms", "500"));
        assertThat(c.bootstrapServers()).containsExactly("a:1", "b:2");
        assertThat(c.clientId()).isEqualTo("ferry-admin");
        assertThat(c.requestTimeoutMs()).isEqualTo(500);
        assertThat(c.defaultApiTimeoutMs()).isEqualTo(60_000);
        assertThat(AdminConfig.from(Map.of("bootstrap.servers", List.of("h:9"), "default.api.timeout.ms", 7))
            .defaultApiTimeoutMs()).isEqualTo(7);
    }

    @Test
    void namesTheKeyOfABadSetting() {
        assertThatThrownBy(() -> AdminConfig.from(Map.of())).hasMessageContaining("bootstrap.servers");
        assertThatThrownBy(() -> AdminConfig.of("no-port")).hasMessageContaining("bootstrap.servers")
            .hasMessageContaining("no-port");
        assertThatThrownBy(() -> AdminConfig.from(Map.of("bootstrap.servers", "a:1", "request.timeout.ms", "x")))
            .hasMessageContaining("request.timeout.ms");
        assertThatThrownBy(() -> AdminConfig.from(Map.of("bootstrap.servers", "a:1", "default.api.timeout.ms", 0)))
            .hasMessageContaining("default.api.timeout.ms");
        assertThatThrownBy(() -> AdminConfig.from(Map.of("bootstrap.servers", "a:1", "acks", "all")))
            .hasMessageContaining("acks");
    }

    @Test
    void validatesTheValueTypes() {
        assertThatThrownBy(() -> NewTopic.of("", 1, 1)).hasMessageContaining("name");
        assertThatThrownBy(() -> NewTopic.of("t", -1, 1)).hasMessageContaining("partitions");
        assertThatThrownBy(() -> new TopicPartition("t", -1)).hasMessageContaining("partition");
        assertThat(ConfigChange.delete("retention.ms").delete()).isTrue();
        assertThat(new TopicPartition("t", 3)).hasToString("t-3");
    }
}
