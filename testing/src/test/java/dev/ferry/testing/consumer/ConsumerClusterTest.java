package dev.ferry.testing.consumer;

import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.OffsetAndMetadata;
import dev.ferry.client.consumer.OffsetAndTimestamp;
import dev.ferry.client.TopicPartition;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The consumer against a real 3-node cluster: assign, poll, seeks, offsets for times, commits, lag. */
class ConsumerClusterTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static TestProducer producer;

    @BeforeAll
    static void start() throws Exception {
        cluster = new LocalCluster(dir, 3, LocalCluster.fastSettings());
        producer = new TestProducer(cluster.bootstrap());
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static FerryConsumer consumer(final Map<String, Object> extra) {
        final Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers",
            String.join(",", cluster.bootstrap()), "auto.offset.reset", "earliest", "fetch.max.wait.ms", "100",
            "request.timeout.ms", "5000", "default.api.timeout.ms", "20000"));
        props.putAll(extra);
        return new FerryConsumer(props);
    }

    private static List<ConsumerRecord> pollUntil(final FerryConsumer c, final int count) {
        final List<ConsumerRecord> out = new ArrayList<>();
        await().atMost(WITHIN).until(() -> {
            c.poll(Duration.ofMillis(200)).forEach(out::add);
            return out.size() >= count;
        });
        return out;
    }

    private static String value(final ConsumerRecord r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    @Test
    void assignReadsEverythingInOrderFromTheReplicas() {
        producer.createTopic("reads", 3);
        for (int p = 0; p < 3; p++) {
            for (int b = 0; b < 3; b++) {
                producer.produce("reads", p, b * 10, 10, T0);
            }
        }
        final List<TopicPartition> tps = List.of(new TopicPartition("reads", 0), new TopicPartition("reads", 1),
            new TopicPartition("reads", 2));
        try (FerryConsumer c = consumer(Map.of("max.poll.records", "7"))) {
            c.assign(tps);
            final List<ConsumerRecord> all = pollUntil(c, 90);
            assertThat(all).hasSize(90);
            for (final TopicPartition tp : tps) {
                final List<ConsumerRecord> mine = all.stream().filter(r -> r.topicPartition().equals(tp)).toList();
                assertThat(mine).extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 30).boxed().toList());
                assertThat(mine).extracting(ConsumerRecord::value).extracting(v -> new String(v,
                    StandardCharsets.UTF_8)).containsExactlyElementsOf(
                        java.util.stream.IntStream.range(0, 30).mapToObj(i -> "value-" + i).toList());
                assertThat(mine.get(3).timestamp()).isEqualTo(T0 + 3);
                assertThat(new String(mine.get(3).key(), StandardCharsets.UTF_8)).isEqualTo("key-3");
                assertThat(mine.get(3).headers().get(0).key()).isEqualTo("i");
                assertThat(c.position(tp)).isEqualTo(30);
                assertThat(c.currentLag(tp)).hasValue(0);
            }
        }
    }

    /** @return records of the topic this node sent to fetchers, from its Prometheus scrape */
    private static double recordsServed(final int index, final String topic) throws Exception {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + cluster.node(index).adminPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        double total = 0;
        for (final String line : r.body().split("\n")) {
            if (line.startsWith("ferry_topic_out_records") && line.contains("topic=\"" + topic + "\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Test
    void fetchingFallsBackToAnotherReplicaWhenItsNodeDies() throws Exception {
        producer.createTopic("fallback", 1);
        final TopicPartition tp = new TopicPartition("fallback", 0);
        producer.produce("fallback", 0, 0, 10, T0);
        try (FerryConsumer c = consumer(Map.of())) {
            c.assign(List.of(tp));
            final List<ConsumerRecord> got = pollUntil(c, 10);
            int serving = -1;
            for (int i = 0; i < 3; i++) {
                if (recordsServed(i, "fallback") > 0) {
                    assertThat(serving).as("one replica serves the partition").isEqualTo(-1);
                    serving = i;
                }
            }
            assertThat(serving).isNotNegative();
            cluster.kill(serving);
            try {
                producer.produce("fallback", 0, 10, 10, T0);
                got.addAll(pollUntil(c, 10));
                assertThat(got).extracting(ConsumerRecord::offset)
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 20).boxed().toList());
            } finally {
                cluster.start(serving);
            }
        }
    }

    @Test
    void offsetsForTimesReturnsTheFoundRecordsOwnTimestamp() {
        producer.createTopic("times", 1);
        final TopicPartition tp = new TopicPartition("times", 0);
        // Offsets 0-4 at T0 + 0..4, then offsets 5-9 at T0 + 100..104: a gap in time between the two batches.
        producer.produce("times", 0, 0, 5, T0);
        producer.produce("times", 0, 100, 5, T0);
        try (FerryConsumer c = consumer(Map.of())) {
            final Duration within = Duration.ofSeconds(10);
            assertThat(c.offsetsForTimes(Map.of(tp, T0 + 3), within)).containsEntry(tp, new OffsetAndTimestamp(3,
                T0 + 3));
            // In the gap: the next record, with its own timestamp (as Kafka answers), not the one asked for.
            assertThat(c.offsetsForTimes(Map.of(tp, T0 + 50), within)).containsEntry(tp, new OffsetAndTimestamp(5,
                T0 + 100));
            assertThat(c.offsetsForTimes(Map.of(tp, 0L), within)).containsEntry(tp, new OffsetAndTimestamp(0, T0));
            assertThat(c.offsetsForTimes(Map.of(tp, T0 + 105), within).get(tp)).isNull();
        }
    }

    @Test
    void seeksAndOffsetsForTimes() {
        producer.createTopic("seeks", 1);
        final TopicPartition tp = new TopicPartition("seeks", 0);
        for (int b = 0; b < 3; b++) {
            producer.produce("seeks", 0, b * 10, 10, T0);
        }
        try (FerryConsumer c = consumer(Map.of())) {
            c.assign(List.of(tp));
            // Mid-batch: the batch starting at 10 is fetched whole, its first five records are skipped.
            c.seek(tp, 15);
            List<ConsumerRecord> got = pollUntil(c, 15);
            assertThat(got.get(0).offset()).isEqualTo(15);
            assertThat(value(got.get(0))).isEqualTo("value-15");
            assertThat(got).hasSize(15);

            c.seekToBeginning(List.of(tp));
            got = pollUntil(c, 30);
            assertThat(got.get(0).offset()).isZero();
            assertThat(got).hasSize(30);

            c.seekToEnd(List.of(tp));
            assertThat(c.position(tp)).isEqualTo(30);
            assertThat(c.poll(Duration.ofMillis(300)).isEmpty()).isTrue();
            producer.produce("seeks", 0, 30, 5, T0);
            got = pollUntil(c, 5);
            assertThat(got).extracting(ConsumerRecord::offset).containsExactly(30L, 31L, 32L, 33L, 34L);

            final Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(Map.of(tp, T0 + 20),
                Duration.ofSeconds(10));
            assertThat(at.get(tp)).isEqualTo(new OffsetAndTimestamp(20, T0 + 20));
            assertThat(c.offsetsForTimes(Map.of(tp, T0 + 1_000_000), Duration.ofSeconds(10)).get(tp)).isNull();
            assertThat(c.beginningOffsets(List.of(tp), Duration.ofSeconds(10))).containsEntry(tp, 0L);
            assertThat(c.endOffsets(List.of(tp), Duration.ofSeconds(10))).containsEntry(tp, 35L);

            c.seek(tp, 20);
            c.pause(List.of(tp));
            assertThat(c.poll(Duration.ofMillis(300)).isEmpty()).isTrue();
            c.resume(List.of(tp));
            got = pollUntil(c, 15);
            assertThat(got.get(0).offset()).isEqualTo(20);
        }
    }

    @Test
    void assignedConsumerCommitsToAnEmptyGroupAndANewConsumerResumesThere() {
        producer.createTopic("resume", 1);
        final TopicPartition tp = new TopicPartition("resume", 0);
        producer.produce("resume", 0, 0, 20, T0);
        try (FerryConsumer c = consumer(Map.of("group.id", "resume-g", "enable.auto.commit", "false"))) {
            c.assign(List.of(tp));
            pollUntil(c, 20);
            c.commitSync(Map.of(tp, new OffsetAndMetadata(12, "twelve")));
            assertThat(c.committed(Set.of(tp))).containsEntry(tp, new OffsetAndMetadata(12, "twelve"));
        }
        try (FerryConsumer c = consumer(Map.of("group.id", "resume-g", "enable.auto.commit", "false"))) {
            c.assign(List.of(tp));
            final ConsumerRecords first = c.poll(Duration.ofSeconds(10));
            assertThat(first.records(tp).get(0).offset()).isEqualTo(12);
        }
    }

    @Test
    void autoCommitsPeriodicallyAndCommitAsyncReportsOnThePollingThread() {
        producer.createTopic("auto", 1);
        final TopicPartition tp = new TopicPartition("auto", 0);
        producer.produce("auto", 0, 0, 20, T0);
        try (FerryConsumer c = consumer(Map.of("group.id", "auto-g", "auto.commit.interval.ms", "100"))) {
            c.assign(List.of(tp));
            pollUntil(c, 20);
            await().atMost(WITHIN).until(() -> {
                c.poll(Duration.ofMillis(50));
                return new OffsetAndMetadata(20).equals(c.committed(Set.of(tp)).get(tp));
            });
            final Thread caller = Thread.currentThread();
            final List<Object> outcome = new ArrayList<>();
            c.commitAsync(Map.of(tp, new OffsetAndMetadata(5)), (offsets, error) -> {
                outcome.add(Thread.currentThread() == caller ? "same thread" : "other thread");
                outcome.add(error == null ? "ok" : error.toString());
            });
            // Polled from this thread (Awaitility evaluates conditions on its own): the callback runs inside poll.
            final long end = System.nanoTime() + WITHIN.toNanos();
            while (outcome.isEmpty() && System.nanoTime() < end) {
                c.poll(Duration.ofMillis(50));
            }
            assertThat(outcome).containsExactly("same thread", "ok");
        }
    }
}
