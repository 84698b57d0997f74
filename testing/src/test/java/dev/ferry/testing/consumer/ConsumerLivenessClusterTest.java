package dev.ferry.testing.consumer;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.GroupDescription;
import dev.ferry.client.admin.MemberDescription;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.RebalanceListener;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.server.LocalCluster;
import dev.ferry.node.server.NodeConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Group liveness on a real 3-node cluster: the background heartbeat keeps a slow member's partitions past the
 * session timeout, max.poll.interval.ms makes a member that stopped polling leave (and its next poll rejoin), and
 * close leaves at once.
 */
class ConsumerLivenessClusterTest {
    private static final Duration WITHIN = Duration.ofSeconds(30);
    private static final long SESSION_TIMEOUT_MS = 5_000;
    private static final long MAX_POLL_INTERVAL_MS = 2_000;

    @TempDir
    static Path dir;
    static LocalCluster cluster;
    static TestProducer producer;
    static FerryAdmin admin;

    @BeforeAll
    static void start() throws Exception {
        final Map<String, String> settings = LocalCluster.fastSettings();
        settings.put(NodeConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS, Long.toString(SESSION_TIMEOUT_MS));
        cluster = new LocalCluster(dir, 3, settings);
        producer = new TestProducer(cluster.bootstrap());
        admin = FerryAdmin.create(Map.of("bootstrap.servers", String.join(",", cluster.bootstrap())));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
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

    private static List<MemberDescription> members(final String group) throws Exception {
        final GroupDescription d = admin.describeConsumerGroups(List.of(group)).get(10, TimeUnit.SECONDS).get(group);
        return d == null ? List.of() : d.members();
    }

    private static Set<TopicPartition> partitions(final String topic, final int count) {
        final Set<TopicPartition> out = new HashSet<>();
        for (int p = 0; p < count; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return Set.copyOf(out);
    }

    /** Records the listener calls with the thread they ran on. */
    private static final class Calls implements RebalanceListener {
        final Queue<String> calls = new ConcurrentLinkedQueue<>();

        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            calls.add("revoked " + partitions.size() + " on " + Thread.currentThread().getName());
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            calls.add("assigned " + partitions.size() + " on " + Thread.currentThread().getName());
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            calls.add("lost " + partitions.size() + " on " + Thread.currentThread().getName());
        }
    }

    private static void pollUntilOwns(final FerryConsumer c, final Set<TopicPartition> wanted) {
        await().atMost(WITHIN).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
            c.poll(Duration.ofMillis(50));
            return c.assignment().equals(wanted);
        });
    }

    @Test
    void aMemberThatDoesNotPollForLongerThanTheSessionTimeoutKeepsItsPartitions() throws Exception {
        producer.createTopic("slow", 2);
        final Set<TopicPartition> both = partitions("slow", 2);
        final Calls listener = new Calls();
        try (FerryConsumer c = new FerryConsumer(props("g-slow"))) {
            c.subscribe(List.of("slow"), listener);
            pollUntilOwns(c, both);
            final List<MemberDescription> before = members("g-slow");
            assertThat(before).hasSize(1);
            final MemberDescription member = before.get(0);
            listener.calls.clear();

            // The application is busy (this thread does not poll) for longer than the session timeout; the group's
            // coordinator must keep hearing from the member all along.
            final long busySince = System.nanoTime();
            final Queue<String> seen = new ConcurrentLinkedQueue<>();
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(250)).until(() -> {
                final List<MemberDescription> now = members("g-slow");
                if (now.size() != 1 || !now.get(0).memberId().equals(member.memberId())
                    || !now.get(0).assignment().equals(both)) {
                    seen.add(now.toString());
                }
                return System.nanoTime() - busySince > TimeUnit.MILLISECONDS.toNanos(SESSION_TIMEOUT_MS + 1_000);
            });
            assertThat(seen).as("group members while the application was busy").isEmpty();

            producer.produce("slow", 0, 0, 5, 0);
            final AtomicReference<ConsumerRecords> got = new AtomicReference<>(ConsumerRecords.EMPTY);
            await().atMost(WITHIN).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                got.set(c.poll(Duration.ofMillis(100)));
                return !got.get().isEmpty();
            });
            assertThat(got.get().count()).isEqualTo(5);
            assertThat(c.assignment()).isEqualTo(both);
            assertThat(listener.calls).as("no rebalance: the member never lost its partitions").isEmpty();
            assertThat(members("g-slow")).extracting(MemberDescription::memberId, MemberDescription::memberEpoch)
                .containsExactly(tuple(member.memberId(), member.memberEpoch()));
        }
    }

    @Test
    void aMemberThatExceedsMaxPollIntervalLeavesAndItsNextPollRejoins() throws Exception {
        producer.createTopic("stalled", 2);
        final Set<TopicPartition> both = partitions("stalled", 2);
        final Map<String, Object> slowProps = props("g-stalled");
        slowProps.put("max.poll.interval.ms", Long.toString(MAX_POLL_INTERVAL_MS));
        final Calls listener = new Calls();
        final ExecutorService pool = Executors.newSingleThreadExecutor();
        final AtomicBoolean stopOther = new AtomicBoolean();
        try (FerryConsumer stalled = new FerryConsumer(slowProps)) {
            stalled.subscribe(List.of("stalled"), listener);
            pollUntilOwns(stalled, both);
            listener.calls.clear();
            final long lastPoll = System.nanoTime();

            // No poll from here: the member leaves by itself after max.poll.interval.ms, while its heartbeat thread
            // would keep it in the group indefinitely (see the test above), and before the session timeout.
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).until(() -> members("g-stalled").isEmpty());
            final long goneAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastPoll);
            // Lower bound with slack: the clock started just after the last poll returned, not inside it.
            assertThat(goneAfterMs).isGreaterThan(MAX_POLL_INTERVAL_MS - 500).isLessThan(SESSION_TIMEOUT_MS);
            assertThat(listener.calls).as("callbacks only run inside poll").isEmpty();
            // As Kafka's CommitFailedException: the partitions may be another member's by now.
            assertThatThrownBy(stalled::commitSync).isInstanceOfSatisfying(FerryException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_MEMBER_ID);
                assertThat(e.isRetriable()).isFalse();
                assertThat(e.getMessage()).contains("max.poll.interval.ms");
            });

            // Another member gets every partition.
            final AtomicReference<Set<TopicPartition>> otherOwns = new AtomicReference<>(Set.of());
            final CountDownLatch otherJoined = new CountDownLatch(1);
            final Future<?> other = pool.submit(() -> {
                try (FerryConsumer c = new FerryConsumer(props("g-stalled"))) {
                    c.subscribe(List.of("stalled"));
                    while (!stopOther.get()) {
                        c.poll(Duration.ofMillis(50));
                        otherOwns.set(Set.copyOf(c.assignment()));
                        if (c.assignment().equals(both)) {
                            otherJoined.countDown();
                        }
                    }
                }
            });
            assertThat(otherJoined.await(WITHIN.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(stalled.assignment()).as("the stalled member's view before its next poll").isEqualTo(both);

            // The next poll reports the partitions lost (on this thread) and rejoins; the two then share them.
            stalled.poll(Duration.ofMillis(50));
            assertThat(listener.calls).first().isEqualTo("lost 2 on " + Thread.currentThread().getName());
            await().atMost(WITHIN).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                stalled.poll(Duration.ofMillis(50));
                return stalled.assignment().size() == 1 && otherOwns.get().size() == 1
                    && !otherOwns.get().containsAll(stalled.assignment());
            });
            assertThat(members("g-stalled")).hasSize(2);
            assertThat(listener.calls).allMatch(call -> call.endsWith(" on " + Thread.currentThread().getName()));
            stopOther.set(true);
            other.get(30, TimeUnit.SECONDS);
        } finally {
            stopOther.set(true);
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theHeartbeatThreadFindsTheNewCoordinatorWhenItsNodeDiesAndTheMemberRejoins() throws Exception {
        producer.createTopic("moving", 2);
        final Set<TopicPartition> both = partitions("moving", 2);
        final Calls listener = new Calls();
        try (FerryConsumer c = new FerryConsumer(props("g-moving"))) {
            c.subscribe(List.of("moving"), listener);
            pollUntilOwns(c, both);
            final int coordinator = producer.coordinator("g-moving");
            cluster.kill(coordinator - 1);
            try {
                // Members live in the coordinator's memory: the new one answers UNKNOWN_MEMBER_ID, the next poll
                // reports the partitions lost and the member joins again.
                await().atMost(WITHIN).pollInSameThread().pollInterval(Duration.ZERO).ignoreExceptions().until(() -> {
                    c.poll(Duration.ofMillis(50));
                    final List<MemberDescription> now = members("g-moving");
                    return c.assignment().equals(both) && now.size() == 1 && now.get(0).assignment().equals(both);
                });
                assertThat(listener.calls).contains("lost 2 on " + Thread.currentThread().getName());
                assertThat(producer.coordinator("g-moving")).isNotEqualTo(coordinator);
            } finally {
                cluster.start(coordinator - 1);
            }
        }
    }

    @Test
    void closeLeavesTheGroupAtOnce() throws Exception {
        producer.createTopic("closing", 2);
        final FerryConsumer c = new FerryConsumer(props("g-close"));
        try {
            c.subscribe(List.of("closing"));
            pollUntilOwns(c, partitions("closing", 2));
            assertThat(members("g-close")).hasSize(1);
        } finally {
            c.close();
        }
        // No waiting: close returned after the coordinator confirmed the leave.
        assertThat(members("g-close")).isEmpty();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().endsWith("-g-close"));
    }
}
