package dev.ferry.testing;

import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The library end to end, as a user's test would use it: the embedded cluster, a producer with each codec, a
 * consumer reading every record back (decompressed, CRC-checked) from the replicas.
 */
@Timeout(120)
@FerryCluster(nodes = 3, topics = {"none", "lz4", "zstd", "snappy"}, partitions = 3)
class CompressedRoundTripTest {

    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4", "zstd", "snappy"})
    void shouldReadBackEveryRecordProducedWithEachCodec(final String codec, final EmbeddedFerry ferry) {
        final int records = 3_000;
        try (FerryProducer producer = new FerryProducer(Map.of("bootstrap.servers", ferry.bootstrapServers(),
            "compression.type", codec, "linger.ms", 20))) {
            final List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                acks.add(producer.send(new ProducerRecord(codec, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i + "-" + "x".repeat(100)).getBytes(StandardCharsets.UTF_8))));
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        }
        final List<String> values = new ArrayList<>();
        try (FerryConsumer consumer = new FerryConsumer(Map.of("bootstrap.servers", ferry.bootstrapServers(),
            "group.id", "g-" + codec, "auto.offset.reset", "earliest"))) {
            consumer.subscribe(List.of(codec));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (final ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                return values.size() >= records;
            });
        }
        assertThat(values).hasSize(records).doesNotHaveDuplicates()
            .allMatch(v -> v.startsWith("value-") && v.endsWith("x".repeat(100)));
    }
}
