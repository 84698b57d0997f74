package dev.ferry.testing.container;

import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import dev.ferry.testing.FerryContainer;
import dev.ferry.testing.FerryImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * FerryContainer as a user's test uses it: the image built from the distribution tarball and deploy/Dockerfile
 * (on the local base image when it exists, so no registry is needed), one node started, records produced and
 * consumed back through the advertised address.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FerryContainerIT {

    private static FerryContainer ferry;

    @BeforeAll
    static void startNode() {
        FerryImage.requireDocker();
        final ImageFromDockerfile image = FerryImage.fromDistribution("ferry-it/testing-node:latest");
        ferry = new FerryContainer(image)
            .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger(FerryContainerIT.class)).withPrefix("node"));
        ferry.start();
    }

    @AfterAll
    static void stopNode() {
        if (ferry != null) {
            ferry.stop();
        }
    }

    @Test
    void shouldProduceAndConsumeThroughTheAdvertisedAddress() {
        final String topic = "orders";
        final Map<String, Object> bootstrap = Map.of("bootstrap.servers", ferry.getBootstrapServers());
        try (FerryAdmin admin = FerryAdmin.create(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 3, 1, Map.of()))).get(30, TimeUnit.SECONDS);
        } catch (final Exception e) {
            throw new AssertionError("creating the topic failed", e);
        }
        final int records = 500;
        final List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
        try (FerryProducer producer = new FerryProducer(Map.of("bootstrap.servers", ferry.getBootstrapServers()))) {
            for (int i = 0; i < records; i++) {
                acks.add(producer.send(new ProducerRecord(topic, bytes("key-" + i), bytes("value-" + i))));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
        assertThat(acks).allMatch(ack -> ack.join().offset() >= 0);

        final List<String> values = new ArrayList<>();
        try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", ferry.getBootstrapServers(),
            "group.id", "container-it", "auto.offset.reset", "earliest"))) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (final ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= records;
            });
        }
        assertThat(values).hasSize(records).doesNotHaveDuplicates().allMatch(v -> v.startsWith("value-"));
    }

    @Test
    void shouldAnswerTheHealthEndpointsOnTheMappedMetricsPort() throws Exception {
        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (final String path : List.of("/health/live", "/health/ready")) {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(ferry.getMetricsUrl()
                + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
        }
        assertThat(ferry.getBootstrapServers()).endsWith(":" + ferry.getClientPort());
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
