package dev.ferry.testing.extension;

import dev.ferry.client.admin.ConfigEntry;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.testing.FerryClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension registered in code, with settings computed by the test. */
@Timeout(60)
class FerryClusterRegisterExtensionTest {
    @RegisterExtension
    static final FerryClusterExtension FERRY = new FerryClusterExtension().nodes(1).topics(2, "events")
        .nodeSetting("num.partitions", "4");

    @Test
    void runsASingleNodeClusterWithTheGivenSettings() throws Exception {
        assertThat(FERRY.ferry().bootstrapServers().split(",")).hasSize(1);
        assertThat(FERRY.ferry().admin().describeTopics(List.of("events")).get(30, TimeUnit.SECONDS)
            .get("events").partitions()).hasSize(2);
        final Map<String, ConfigEntry> configs = FERRY.ferry().admin().describeConfigs("events")
            .get(30, TimeUnit.SECONDS);
        assertThat(configs).containsKey("retention.ms");

        // The node setting applies: a topic without a partition count gets num.partitions.
        FERRY.ferry().admin().createTopics(List.of(NewTopic.of("defaulted", 0, 0))).get(30, TimeUnit.SECONDS);
        assertThat(FERRY.ferry().admin().describeTopics(List.of("defaulted")).get(30, TimeUnit.SECONDS)
            .get("defaulted").partitions()).hasSize(4);
    }
}
