package dev.ferry.chaos.workload;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings are validated with a message naming the setting, and the withers change only what they name. */
class WorkloadSettingsTest {
    @Test
    void shouldDefaultToAShortTimeoutWorkload() {
        final WorkloadSettings s = WorkloadSettings.defaults("t");
        assertThat(s.producers()).isEqualTo(3);
        assertThat(s.recordsPerSecond()).isEqualTo(200);
        assertThat(s.groupMembers()).isEqualTo(3);
        assertThat(s.readers()).isEqualTo(1);
        assertThat(s.groupId()).isEqualTo("chaos-t");
        assertThat(s.requestTimeoutMs()).isEqualTo(5_000);
        assertThat(s.deliveryTimeoutMs()).isEqualTo(30_000);
    }

    @Test
    void shouldChangeOnlyWhatAWitherNames() {
        final WorkloadSettings s = WorkloadSettings.defaults("t").withProducers(1, 50).withReaders(2, 3,
            List.of("a", "b")).withPartitions(4, 3).withTimeouts(1_000, 2_000, 3_000);
        assertThat(s).isEqualTo(new WorkloadSettings("t", 4, 3, 1, 50, 100, "chaos-t", 2, 3, List.of("a", "b"), 50,
            1_000, 2_000, 10_000, 3_000, 5_000));
        assertThat(s.readerRack(0)).isEqualTo("a");
        assertThat(s.readerRack(3)).isEqualTo("b");
        assertThat(WorkloadSettings.defaults("t").readerRack(0)).isNull();
    }

    @Test
    void shouldNameTheBadSetting() {
        assertThatThrownBy(() -> WorkloadSettings.defaults("t").withProducers(1, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recordsPerSecond=0");
        assertThatThrownBy(() -> WorkloadSettings.defaults("t").withPartitions(0, 3))
            .hasMessageContaining("partitions=0");
        assertThatThrownBy(() -> WorkloadSettings.defaults("t").withTimeouts(5_000, 1_000, 1_000))
            .hasMessageContaining("deliveryTimeoutMs=1000").hasMessageContaining("requestTimeoutMs=5000");
        assertThatThrownBy(() -> WorkloadSettings.defaults(" ")).hasMessageContaining("must not be blank");
    }
}
