package dev.ferry.testing.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/** The producer while nodes die: a fresh 3-node cluster per test, since each test breaks it. */
class ProducerFailoverTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    LocalCluster cluster;
    RawClusterAccess raw;

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings());
        for (int i = 0; i < 3; i++) {
            cluster.node(i).awaitJoined(WITHIN);
        }
        raw = new RawClusterAccess(cluster.bootstrap());
    }

    @AfterEach
    void stopCluster() {
        if (raw != null) {
            raw.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void createTopic(final String name, final int partitions) {
        await().atMost(WITHIN).until(() -> {
            final ErrorCode e = raw.createTopic(name, partitions);
            return e == ErrorCode.NONE || e == ErrorCode.TOPIC_ALREADY_EXISTS;
        });
        await().atMost(WITHIN).until(() -> {
            for (int p = 0; p < partitions; p++) {
                if (raw.leader(name, p) < 0) {
                    return false;
                }
            }
            return true;
        });
    }

    private Map<String, Object> settings(final String clientId) {
        final Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", String.join(",", cluster.bootstrap()));
        m.put("client.id", clientId);
        m.put("request.timeout.ms", 5_000);
        m.put("retry.backoff.ms", 50);
        m.put("delivery.timeout.ms", 50_000);
        return m;
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyAcknowledgedRecordIsStoredExactlyOnceAfterTheLeaderDies() throws Exception {
        createTopic("failover", 3);
        final int n = 4000;
        final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(n);
        try (FerryProducer producer = new FerryProducer(settings("failover-test"))) {
            final int victim = raw.leader("failover", 0);
            for (int i = 0; i < n; i++) {
                if (i == n / 4) {
                    // Batches are in flight to the victim when it dies: they are retried at the new leader.
                    cluster.kill(victim - 1);
                }
                futures.add(producer.send(new ProducerRecord("failover", bytes("k" + i), bytes("v-" + i))));
            }
            producer.flush();
        }
        final Set<String> acknowledged = new HashSet<>();
        int failed = 0;
        for (int i = 0; i < n; i++) {
            try {
                futures.get(i).join();
                acknowledged.add("v-" + i);
            } catch (final CompletionException e) {
                failed++;
            }
        }
        assertThat(failed).as("retries within delivery.timeout.ms get every record through").isZero();
        final Map<String, Integer> stored = new HashMap<>();
        await().atMost(WITHIN).ignoreExceptions().untilAsserted(() -> {
            stored.clear();
            for (int p = 0; p < 3; p++) {
                for (final RawClusterAccess.Stored s : raw.readAll("failover", p)) {
                    stored.merge(s.value(), 1, Integer::sum);
                }
            }
            assertThat(stored.keySet()).containsAll(acknowledged);
        });
        assertThat(stored.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
            .as("no record stored twice").isEmpty();
        for (final String v : acknowledged) {
            assertThat(stored.get(v)).isEqualTo(1);
        }
    }

    @Test
    void exhaustedBufferMemoryBlocksThenFailsNamingItWhenTheClusterIsGone() throws Exception {
        createTopic("stalled", 3);
        final Map<String, Object> s = settings("stalled-test");
        s.put("buffer.memory", 64 * 1024);
        s.put("batch.size", 4096);
        s.put("max.block.ms", 1_000);
        try (FerryProducer producer = new FerryProducer(s)) {
            producer.send(new ProducerRecord("stalled", bytes("k"), bytes("v"))).get(30, TimeUnit.SECONDS);
            cluster.close();
            final byte[] value = new byte[1000];
            FerryException blocked = null;
            long blockedMs = 0;
            for (int i = 0; i < 200 && blocked == null; i++) {
                final long start = System.nanoTime();
                final CompletableFuture<RecordMetadata> f = producer.send(
                    new ProducerRecord("stalled", bytes("k" + i), value));
                if (f.isCompletedExceptionally()) {
                    blockedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    try {
                        f.join();
                    } catch (final CompletionException e) {
                        blocked = (FerryException) e.getCause();
                    }
                }
            }
            assertThat(blocked).as("a send failed once buffer.memory was used up").isNotNull();
            assertThat(blocked.getMessage()).contains("buffer.memory=65536").contains("max.block.ms=1000");
            assertThat(blockedMs).as("send blocked for max.block.ms first").isGreaterThanOrEqualTo(900);
            producer.close(Duration.ZERO);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> ProducerClusterTest.ferryThreads("stalled-test")
            .isEmpty());
    }
}
