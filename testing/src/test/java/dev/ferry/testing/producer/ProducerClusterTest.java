package dev.ferry.testing.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The producer against one real 3-node cluster shared by the tests (none of them breaks it). */
class ProducerClusterTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static RawClusterAccess raw;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings());
        for (int i = 0; i < 3; i++) {
            cluster.node(i).awaitJoined(WITHIN);
        }
        raw = new RawClusterAccess(cluster.bootstrap());
    }

    @AfterAll
    static void stopCluster() {
        if (raw != null) {
            raw.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static void createTopic(final String name, final int partitions) {
        await().atMost(WITHIN).until(() -> {
            final ErrorCode e = raw.createTopic(name, partitions);
            return e == ErrorCode.NONE || e == ErrorCode.TOPIC_ALREADY_EXISTS;
        });
    }

    private static Map<String, Object> settings(final String clientId) {
        final Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", String.join(",", cluster.bootstrap()));
        m.put("client.id", clientId);
        m.put("max.block.ms", 30_000);
        return m;
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keyedRecordsLandOnKafkasPartitionWithIncreasingOffsetsAndReadBackOnce() throws Exception {
        createTopic("keyed", 6);
        final int n = 10_000;
        final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(n);
        try (FerryProducer producer = new FerryProducer(settings("keyed-test"))) {
            for (int i = 0; i < n; i++) {
                futures.add(producer.send(new ProducerRecord("keyed", bytes("key-" + (i % 500)), bytes("v-" + i))));
            }
            producer.flush();
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            final long[] last = {-1, -1, -1, -1, -1, -1};
            final Map<String, Integer> partitionOfKey = new HashMap<>();
            for (int i = 0; i < n; i++) {
                final RecordMetadata m = futures.get(i).join();
                assertThat(m.topic()).isEqualTo("keyed");
                assertThat(m.offset()).as("offsets grow in send order per partition")
                    .isGreaterThan(last[m.partition()]);
                last[m.partition()] = m.offset();
                final Integer before = partitionOfKey.putIfAbsent("key-" + (i % 500), m.partition());
                assertThat(before == null || before == m.partition()).as("same key, same partition").isTrue();
            }
            assertThat(partitionOfKey.values()).as("keys spread over every partition").containsAll(
                List.of(0, 1, 2, 3, 4, 5));

            // Kafka's own murmur2 values (UtilsTest.testMurmur2): Kafka's producer would pick these partitions.
            final Map<String, Integer> kafkaHashes = Map.of("21", -973932308, "foobar", -790332482,
                "a-little-bit-long-string", -985981536, "a-little-bit-longer-string", -1486304829,
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971, "abc", 479470107);
            for (final Map.Entry<String, Integer> e : kafkaHashes.entrySet()) {
                final RecordMetadata m = producer.send(new ProducerRecord("keyed", bytes(e.getKey()),
                    bytes("kafka"))).get(30, TimeUnit.SECONDS);
                assertThat(m.partition()).as(e.getKey()).isEqualTo((e.getValue() & 0x7fffffff) % 6);
            }
        }

        int total = 0;
        for (int p = 0; p < 6; p++) {
            final List<RawClusterAccess.Stored> stored = raw.readAll("keyed", p);
            for (int i = 0; i < stored.size(); i++) {
                assertThat(stored.get(i).offset()).isEqualTo(i);
            }
            total += stored.stream().filter(s -> s.value().startsWith("v-")).count();
        }
        assertThat(total).isEqualTo(n);
        final List<RawClusterAccess.Stored> p0 = raw.readAll("keyed", futures.get(0).join().partition());
        assertThat(p0.get((int) futures.get(0).join().offset()).value()).isEqualTo("v-0");
    }

    @Test
    void nullKeysStickToAPartitionPerBatchAndExplicitPartitionsAreHonoured() throws Exception {
        createTopic("sticky", 6);
        final Map<String, Object> s = settings("sticky-test");
        s.put("linger.ms", 60_000);
        try (FerryProducer producer = new FerryProducer(s)) {
            final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(producer.send(new ProducerRecord("sticky", null, bytes("x" + i))));
            }
            producer.flush();
            assertThat(futures.stream().map(f -> f.join().partition()).distinct().count())
                .as("small keyless records share one batch, so one partition").isEqualTo(1);
            final CompletableFuture<RecordMetadata> explicit = producer.send(
                new ProducerRecord("sticky", 4, null, bytes("here")), (md, e) -> { });
            producer.flush();
            assertThat(explicit.get(30, TimeUnit.SECONDS).partition()).isEqualTo(4);
        }
    }

    @Test
    void acksOneAndZeroWithoutIdempotenceAndAMissingPartitionFails() throws Exception {
        createTopic("acks", 2);
        for (final String acks : List.of("1", "0")) {
            final Map<String, Object> s = settings("acks-" + acks);
            s.put("acks", acks);
            try (FerryProducer producer = new FerryProducer(s)) {
                final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    futures.add(producer.send(new ProducerRecord("acks", bytes("k" + i), bytes("v" + i))));
                }
                producer.flush();
                for (final CompletableFuture<RecordMetadata> f : futures) {
                    assertThat(f.get(30, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(
                        "0".equals(acks) ? -1 : 0);
                }
                if ("0".equals(acks)) {
                    assertThat(futures.get(0).join().offset()).as("acks=0: offset unknown").isEqualTo(-1);
                }
                final CompletableFuture<RecordMetadata> missing = producer.send(
                    new ProducerRecord("acks", 7, bytes("k"), bytes("v")));
                assertThat(missing).isCompletedExceptionally();
                assertThat(missing.handle((m, e) -> e.getMessage()).join()).contains("partition=7");
            }
        }
        // acks=0 records are answered before they are committed: wait for the high watermarks.
        await().atMost(WITHIN).untilAsserted(() ->
            assertThat(raw.readAll("acks", 0).size() + raw.readAll("acks", 1).size()).isEqualTo(400));
    }

    @Test
    void closeReleasesEveryThread() throws Exception {
        createTopic("closing", 1);
        final FerryProducer producer = new FerryProducer(settings("closer"));
        producer.send(new ProducerRecord("closing", bytes("k"), bytes("v"))).get(30, TimeUnit.SECONDS);
        assertThat(ferryThreads("closer")).isNotEmpty();
        producer.close();
        await().atMost(Duration.ofSeconds(15)).until(() -> ferryThreads("closer").isEmpty());
        producer.close();
    }

    static List<String> ferryThreads(final String clientId) {
        final List<String> names = new ArrayList<>();
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("ferry-") && t.getName().contains(clientId)) {
                names.add(t.getName());
            }
        }
        return names;
    }
}
