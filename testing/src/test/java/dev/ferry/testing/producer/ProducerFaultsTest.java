package dev.ferry.testing.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.client.producer.RecordMetadata;
import dev.ferry.client.producer.RecordTooLargeException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.server.LocalCluster;
import dev.ferry.replication.PartitionId;
import dev.ferry.testing.proxy.FrameProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The producer on a real 3-node cluster reached through {@link FrameProxy}s that lose Produce traffic: idempotence
 * under forced retries (and duplicates without it), the idempotent state reset after a batch failed for good, and
 * max.request.size. The cluster is shared; each test has its own topic, proxies and faults.
 */
@Timeout(110)
class ProducerFaultsTest {
    private static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static RawClusterAccess raw;

    private List<FrameProxy> proxies = List.of();

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

    @AfterEach
    void stopProxies() {
        proxies.forEach(FrameProxy::close);
    }

    private static void createTopic(final String name, final int partitions) {
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

    /** Settings of a producer that reaches the cluster only through fresh proxies losing what faults says. */
    private Map<String, Object> throughProxies(final String clientId, final FrameProxy.Faults faults)
        throws Exception {
        proxies = FrameProxy.start(cluster.bootstrap(), faults);
        final Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", proxies.stream().map(FrameProxy::address).collect(Collectors.joining(",")));
        m.put("client.id", clientId);
        m.put("max.block.ms", 30_000);
        m.put("request.timeout.ms", 1_000);
        m.put("retry.backoff.ms", 20);
        m.put("delivery.timeout.ms", 60_000);
        return m;
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(final String topic, final int partition) throws Exception {
        return raw.readAll(topic, partition).stream().map(RawClusterAccess.Stored::value).toList();
    }

    @Test
    void batchesForALeaderThatDiedWithItsConnectionsOpenGoToTheNewLeaderWellBeforeTheRequestTimeout()
        throws Exception {
        final String topic = "silent-leader";
        createTopic(topic, 1);
        final Map<String, Object> settings = throughProxies("silent-leader-producer", new FrameProxy.Faults(7));
        settings.put("request.timeout.ms", 30_000);
        try (FerryProducer producer = new FerryProducer(settings)) {
            producer.send(new ProducerRecord(topic, 0, null, bytes("before"))).get(30, TimeUnit.SECONDS);
            final int leader = raw.leader(topic, 0);
            final int next = leader % 3 + 1;
            // The leader's machine "dies": its client connections go silent, nothing closes them. Leadership
            // moves on (here by a transfer, the node itself stays up for the cluster).
            proxies.get(leader - 1).blackhole(true);
            cluster.node(leader - 1).raftHost().transferLeadership(new PartitionId(topic, 0), Integer.toString(next),
                10_000);
            // Sent to the silent node first (the producer's metadata still names it): without giving that
            // connection up, the batch would wait out the 30 s request timeout.
            final RecordMetadata after = producer.send(new ProducerRecord(topic, 0, null, bytes("after")))
                .get(15, TimeUnit.SECONDS);
            assertThat(after.offset()).isEqualTo(1);
        }
        assertThat(values(topic, 0)).containsExactly("before", "after");
    }

    @Test
    void everyAcknowledgedRecordIsStoredOnceInSendOrderWhenAFifthOfProduceResponsesAreLost() throws Exception {
        final String topic = "lossy";
        final int partitions = 3;
        createTopic(topic, partitions);
        final FrameProxy.Faults faults = new FrameProxy.Faults(42);
        final Map<String, Object> settings = throughProxies("lossy-producer", faults);
        settings.put("batch.size", 512);
        settings.put("linger.ms", 2);
        faults.dropResponses(0.2);
        final int n = 1_500;
        final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(n);
        try (FerryProducer producer = new FerryProducer(settings)) {
            for (int i = 0; i < n; i++) {
                futures.add(producer.send(new ProducerRecord(topic, bytes("key-" + (i % 40)), bytes("v-" + i))));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        }
        faults.dropResponses(0);
        assertThat(faults.droppedResponses()).as("responses were lost, so batches were retried").isGreaterThan(5);

        final Map<Integer, List<String>> sentPerPartition = new HashMap<>();
        for (int i = 0; i < n; i++) {
            final RecordMetadata m = futures.get(i).join();
            sentPerPartition.computeIfAbsent(m.partition(), p -> new ArrayList<>()).add("v-" + i);
        }
        for (int p = 0; p < partitions; p++) {
            final List<RawClusterAccess.Stored> stored = raw.readAll(topic, p);
            assertThat(stored.stream().map(RawClusterAccess.Stored::value).toList())
                .as("partition %d holds every acknowledged record once, in send order", p)
                .isEqualTo(sentPerPartition.getOrDefault(p, List.of()));
        }
        for (int i = 0; i < n; i += 50) {
            final RecordMetadata m = futures.get(i).join();
            final int index = sentPerPartition.get(m.partition()).indexOf("v-" + i);
            assertThat(raw.readAll(topic, m.partition()).get(index).offset()).isEqualTo(m.offset());
        }
    }

    @Test
    void aLostResponseDuplicatesARecordWithoutIdempotenceAndNotWithIt() throws Exception {
        final String topic = "dup";
        createTopic(topic, 1);
        final FrameProxy.Faults faults = new FrameProxy.Faults(7);
        final Map<String, Object> plain = throughProxies("plain-producer", faults);
        plain.put("enable.idempotence", false);
        plain.put("max.in.flight.requests.per.connection", 1);
        try (FerryProducer producer = new FerryProducer(plain)) {
            faults.dropNextResponses(1);
            producer.send(new ProducerRecord(topic, 0, null, bytes("plain"))).get(30, TimeUnit.SECONDS);
        }
        assertThat(faults.droppedResponses()).isEqualTo(1);
        assertThat(values(topic, 0)).as("the retry stored the record again").containsExactly("plain", "plain");

        proxies.forEach(FrameProxy::close);
        final Map<String, Object> idempotent = throughProxies("idempotent-producer", faults);
        try (FerryProducer producer = new FerryProducer(idempotent)) {
            producer.send(new ProducerRecord(topic, 0, null, bytes("first"))).get(30, TimeUnit.SECONDS);
            faults.dropNextResponses(1);
            producer.send(new ProducerRecord(topic, 0, null, bytes("once"))).get(30, TimeUnit.SECONDS);
        }
        assertThat(faults.droppedResponses()).isEqualTo(2);
        assertThat(values(topic, 0)).as("the broker dropped the retry as a duplicate")
            .containsExactly("plain", "plain", "first", "once");
    }

    @Test
    void sendsToAPartitionSucceedAgainAfterOneOfItsBatchesFailedForGood() throws Exception {
        final String topic = "gap";
        createTopic(topic, 1);
        final FrameProxy.Faults faults = new FrameProxy.Faults(3);
        final Map<String, Object> settings = throughProxies("gap-producer", faults);
        settings.put("delivery.timeout.ms", 2_500);
        try (FerryProducer producer = new FerryProducer(settings)) {
            producer.send(new ProducerRecord(topic, 0, null, bytes("a0"))).get(30, TimeUnit.SECONDS);
            faults.dropProduceRequests(true);
            final CompletableFuture<RecordMetadata> lost = producer.send(new ProducerRecord(topic, 0, null,
                bytes("a1")));
            assertThatThrownBy(() -> lost.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(FerryException.class).hasMessageContaining("delivery.timeout.ms");
            assertThat(faults.droppedRequests()).isPositive();
            faults.dropProduceRequests(false);
            // Sequences 2 and 3 of the old producer id would be refused as out of order after the gap at 1.
            final CompletableFuture<RecordMetadata> a2 = producer.send(new ProducerRecord(topic, 0, null,
                bytes("a2")));
            final CompletableFuture<RecordMetadata> a3 = producer.send(new ProducerRecord(topic, 0, null,
                bytes("a3")));
            assertThat(a2.get(30, TimeUnit.SECONDS).offset()).isEqualTo(1);
            assertThat(a3.get(30, TimeUnit.SECONDS).offset()).isEqualTo(2);
        }
        assertThat(values(topic, 0)).containsExactly("a0", "a2", "a3");
    }

    @Test
    void aRecordAboveMaxRequestSizeFailsAtOnceAndNoRequestExceedsIt() throws Exception {
        final String topic = "sized";
        final int partitions = 6;
        createTopic(topic, partitions);
        final FrameProxy.Faults faults = new FrameProxy.Faults(11);
        final Map<String, Object> settings = throughProxies("sized-producer", faults);
        settings.put("max.request.size", 4_096);
        settings.put("batch.size", 2_048);
        settings.put("linger.ms", 50);
        final int n = 600;
        final List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(n);
        try (FerryProducer producer = new FerryProducer(settings)) {
            final CompletableFuture<RecordMetadata> big = producer.send(new ProducerRecord(topic, 0, null,
                new byte[5_000]));
            assertThat(big).isCompletedExceptionally();
            assertThatThrownBy(big::join).cause().isInstanceOfSatisfying(RecordTooLargeException.class, e -> {
                assertThat(e.isRetriable()).isFalse();
                assertThat(e.limit()).isEqualTo(4_096);
                assertThat(e.size()).isGreaterThan(5_000);
                assertThat(e.getMessage()).contains("max.request.size=4096").contains(e.size() + " bytes");
            });
            for (int i = 0; i < n; i++) {
                futures.add(producer.send(new ProducerRecord(topic, bytes("k" + i), bytes("value-" + i
                    + "-".repeat(40)))));
            }
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        assertThat(faults.largestProduceRecords()).isPositive().isLessThanOrEqualTo(4_096);
        int stored = 0;
        for (int p = 0; p < partitions; p++) {
            stored += raw.readAll(topic, p).size();
        }
        assertThat(stored).isEqualTo(n);
    }
}
