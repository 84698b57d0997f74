package dev.ferry.testing.consumer;

import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.OffsetAndMetadata;
import dev.ferry.client.consumer.RebalanceListener;
import dev.ferry.client.TopicPartition;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Consumer groups on a real 3-node cluster: server-side assignment, rebalances, commits, coordinator failover. */
class ConsumerGroupClusterTest {
    private static final Duration WITHIN = Duration.ofSeconds(40);
    private static final String TOPIC = "grp";

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

    private static Map<String, Object> props(final String group) {
        return new HashMap<>(Map.of("bootstrap.servers", String.join(",", cluster.bootstrap()), "group.id", group,
            "auto.offset.reset", "earliest", "enable.auto.commit", "false", "fetch.max.wait.ms", "100",
            "request.timeout.ms", "3000", "default.api.timeout.ms", "20000"));
    }

    /** One group member on its own thread: polls, commits after every poll, records what it owned and read. */
    private static final class Member implements Runnable {
        private final String name;
        private final Map<TopicPartition, String> owners;
        private final Queue<String> violations;
        private final Queue<String> consumed;
        private final Map<String, Set<TopicPartition>> published;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);

        Member(final String name, final Map<TopicPartition, String> owners, final Queue<String> violations,
               final Queue<String> consumed, final Map<String, Set<TopicPartition>> published) {
            this.name = name;
            this.owners = owners;
            this.violations = violations;
            this.consumed = consumed;
            this.published = published;
        }

        @Override
        public void run() {
            try (FerryConsumer c = new FerryConsumer(props("g-split"))) {
                c.subscribe(List.of(TOPIC), new RebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
                        partitions.forEach(tp -> owners.remove(tp, name));
                    }

                    @Override
                    public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
                        for (final TopicPartition tp : partitions) {
                            final String previous = owners.putIfAbsent(tp, name);
                            if (previous != null) {
                                violations.add(tp + " given to " + name + " while " + previous + " owns it");
                            }
                        }
                    }
                });
                while (!stop.get()) {
                    final ConsumerRecords records = c.poll(Duration.ofMillis(100));
                    for (final ConsumerRecord r : records) {
                        if (!name.equals(owners.get(r.topicPartition()))) {
                            violations.add(name + " read " + r + " without owning it");
                        }
                        consumed.add(r.partition() + "@" + r.offset());
                    }
                    if (!records.isEmpty()) {
                        c.commitSync();
                    }
                    published.put(name, Set.copyOf(c.assignment()));
                }
            } finally {
                published.remove(name);
                done.countDown();
            }
        }
    }

    private static boolean sizes(final Map<String, Set<TopicPartition>> published, final int... sizes) {
        final List<Integer> got = new ArrayList<>();
        published.values().forEach(s -> got.add(s.size()));
        final List<Integer> want = new ArrayList<>();
        for (final int s : sizes) {
            want.add(s);
        }
        return got.size() == want.size() && got.containsAll(want) && want.containsAll(got);
    }

    @Test
    void threeMembersSplitSixPartitionsThenTwoTakeOverWithCommittedOffsets() throws Exception {
        producer.createTopic(TOPIC, 6);
        for (int p = 0; p < 6; p++) {
            producer.produce(TOPIC, p, 0, 10, 0);
        }
        final Map<TopicPartition, String> owners = new ConcurrentHashMap<>();
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final Queue<String> consumed = new ConcurrentLinkedQueue<>();
        final Map<String, Set<TopicPartition>> published = new ConcurrentHashMap<>();
        final List<Member> members = new ArrayList<>();
        final ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            final List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                final Member m = new Member("m" + i, owners, violations, consumed, published);
                members.add(m);
                running.add(pool.submit(m));
            }
            await().atMost(WITHIN).until(() -> sizes(published, 2, 2, 2) && new HashSet<>(consumed).size() == 60);
            final Set<TopicPartition> all = new HashSet<>();
            published.values().forEach(all::addAll);
            assertThat(all).hasSize(6);

            members.get(2).stop.set(true);
            assertThat(members.get(2).done.await(30, TimeUnit.SECONDS)).isTrue();
            for (int p = 0; p < 6; p++) {
                producer.produce(TOPIC, p, 10, 10, 0);
            }
            await().atMost(WITHIN).until(() -> sizes(published, 3, 3) && new HashSet<>(consumed).size() == 120);
            assertThat(violations).isEmpty();
            // Every poll's records were committed before the next poll, so the new owners resumed exactly there.
            assertThat(consumed).doesNotHaveDuplicates();
            members.forEach(m -> m.stop.set(true));
            for (final Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            members.forEach(m -> m.stop.set(true));
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        try (FerryConsumer c = new FerryConsumer(props("g-split"))) {
            final Set<TopicPartition> tps = new HashSet<>();
            for (int p = 0; p < 6; p++) {
                tps.add(new TopicPartition(TOPIC, p));
            }
            final Map<TopicPartition, OffsetAndMetadata> committed = c.committed(tps);
            tps.forEach(tp -> assertThat(committed.get(tp)).as(tp.toString()).isEqualTo(new OffsetAndMetadata(20)));
        }
    }

    @Test
    void committedOffsetsSurviveKillingTheCoordinatorsNode() throws Exception {
        producer.createTopic("kill", 1);
        final TopicPartition tp = new TopicPartition("kill", 0);
        try (FerryConsumer c = new FerryConsumer(props("g-kill"))) {
            c.commitSync(Map.of(tp, new OffsetAndMetadata(7, "seven")));
        }
        final int coordinator = producer.coordinator("g-kill");
        cluster.kill(coordinator - 1);
        try {
            try (FerryConsumer c = new FerryConsumer(props("g-kill"))) {
                assertThat(c.committed(Set.of(tp), Duration.ofSeconds(30)))
                    .containsEntry(tp, new OffsetAndMetadata(7, "seven"));
                c.commitSync(Map.of(tp, new OffsetAndMetadata(9)), Duration.ofSeconds(30));
                assertThat(c.committed(Set.of(tp), Duration.ofSeconds(30))).containsEntry(tp, new OffsetAndMetadata(9));
            }
        } finally {
            cluster.start(coordinator - 1);
        }
    }
}
