package dev.ferry.testing.extension;

import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.node.server.LocalCluster;
import dev.ferry.testing.EmbeddedFerry;
import dev.ferry.testing.FerryCluster;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension as a user's test uses it: one annotation, the cluster and its topics ready, handles injected. */
@FerryCluster(nodes = 3, topics = {"a", "b"}, partitions = 6)
@Timeout(60)
class FerryClusterAnnotationTest {
    private final EmbeddedFerry ferry;

    FerryClusterAnnotationTest(final EmbeddedFerry ferry) {
        this.ferry = ferry;
    }

    @Test
    void startsTheNodesAndCreatesTheTopics(final FerryAdmin admin) throws Exception {
        assertThat(ferry.bootstrapServers().split(",")).hasSize(3).allMatch(s -> s.startsWith("127.0.0.1:"));
        final Map<String, TopicDescription> topics = admin.describeTopics(List.of("a", "b")).get(30, TimeUnit.SECONDS);
        assertThat(topics.get("a").partitions()).hasSize(6);
        assertThat(topics.get("b").partitions()).hasSize(6);
        assertThat(topics.get("a").partitions().get(0).replicas()).hasSize(3);
    }

    @Test
    void injectsTheNodesForFailureTests(final LocalCluster cluster) {
        assertThat(cluster.size()).isEqualTo(3);
        assertThat(cluster).isSameAs(ferry.cluster());
        assertThat(ferry.bootstrapServers()).isEqualTo(String.join(",", cluster.bootstrap()));
    }

    @Test
    void givesNewAdminClientsWithOwnSettings() throws Exception {
        try (FerryAdmin mine = ferry.newAdmin(Map.of("client.id", "mine", "request.timeout.ms", 5_000))) {
            assertThat(mine.config().clientId()).isEqualTo("mine");
            assertThat(mine.listTopics().get(30, TimeUnit.SECONDS)).contains("a", "b");
        }
    }

    /** Nested classes share the outer class's cluster. */
    @Nested
    class Nested1 {
        @Test
        void seesTheSameCluster(final EmbeddedFerry nested) {
            assertThat(nested).isSameAs(ferry);
        }
    }
}
