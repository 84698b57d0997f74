package dev.ferry.testing.consumer;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Follower fetching chosen and actually used: nodes in racks a, b, c; a consumer in the rack of a follower reads
 * a partition, and the bytes leave that follower (its per-topic out-bytes counter), not the leader.
 */
@Timeout(120)
class FollowerFetchTest {
    private static final List<String> RACKS = List.of("a", "b", "c");
    private static final String TOPIC = "near";

    @TempDir
    Path dir;

    @Test
    void shouldFetchFromTheReplicaInTheConsumersRack() throws Exception {
        try (LocalCluster cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings(), RACKS)) {
            for (int i = 0; i < 3; i++) {
                cluster.node(i).awaitJoined(Duration.ofSeconds(60));
            }
            final String bootstrap = String.join(",", cluster.bootstrap());
            final int leader;
            try (FerryAdmin admin = FerryAdmin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(NewTopic.of(TOPIC, 1, 3))).join();
                final int[] found = {-1};
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    final PartitionDescription p = admin.describeTopics(List.of(TOPIC)).join().get(TOPIC)
                        .partitions().get(0);
                    found[0] = p.leader();
                    return found[0] > 0;
                });
                leader = found[0];
            }
            try (FerryProducer producer = new FerryProducer(Map.of("bootstrap.servers", bootstrap))) {
                final List<CompletableFuture<?>> acks = new ArrayList<>();
                for (int i = 0; i < 2_000; i++) {
                    acks.add(producer.send(new ProducerRecord(TOPIC, null,
                        ("v" + i + "x".repeat(200)).getBytes(StandardCharsets.UTF_8))));
                }
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
            }
            final int follower = leader == 1 ? 2 : 1;
            final int[] read = {0};
            try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", bootstrap,
                "client.rack", RACKS.get(follower - 1), "auto.offset.reset", "earliest"))) {
                consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    read[0] += consumer.poll(Duration.ofMillis(200)).count();
                    return read[0] >= 2_000;
                });
            }
            assertThat(read[0]).isEqualTo(2_000);
            final double fromFollower = outBytes(cluster, follower);
            assertThat(fromFollower).as("bytes sent by follower node %d", follower).isGreaterThan(400_000);
            assertThat(outBytes(cluster, leader)).as("bytes sent by leader node %d", leader).isZero();
        }
    }

    /** The node's ferry_topic_out_bytes_total for the topic, from its /metrics. */
    private static double outBytes(final LocalCluster cluster, final int nodeId) throws Exception {
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + cluster.node(nodeId - 1).adminPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        final Matcher m = Pattern.compile("ferry_topic_out_bytes_total\\{[^}]*topic=\"" + TOPIC + "\"[^}]*} (\\S+)")
            .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
