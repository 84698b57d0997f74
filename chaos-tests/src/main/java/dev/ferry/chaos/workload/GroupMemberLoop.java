package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerConfig;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.OffsetAndMetadata;
import dev.ferry.client.consumer.RebalanceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;

/**
 * One member of the workload's consumer group, on a thread of its own. Every record a poll returns is processed
 * (recorded as a group read); the member commits what it processed (Kafka's offset: the next one to read) every
 * {@code commitEveryRecords} records and whenever a poll comes back empty, and records a commit only once the
 * commit call returned. Rebalances are recorded in the order the checker needs: on revocation the member commits
 * what it processed, then records the loss, so the commit comes before the handover; a lost membership (fenced)
 * records the loss with no commit, as the partitions may already be another member's.
 *
 * <p>A failed poll or commit (a node down, a coordinator moving, a fenced member) is logged and counted, and the
 * member keeps polling after a short back-off: it never dies silently.
 *
 * <p>{@link #run} on one thread; {@link #stop} from any.
 */
final class GroupMemberLoop implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMemberLoop.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final String member;
    private final WorkloadSettings settings;
    private final HistoryRecorder recorder;
    private final WorkloadCounters counters;
    private final ConcurrentMap<TopicPartition, Long> groupProgress;
    private final FerryConsumer consumer;
    private final ErrorLog errors;
    /** Owned partitions to the next offset to commit (one past the last processed record). Member thread only. */
    private final Map<TopicPartition, Long> processed = new HashMap<>();
    /** Owned partitions to the offset this member last committed for them. Member thread only. */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private int sinceCommit;
    private volatile boolean running = true;

    /**
     * @param index the member's index: its id is {@code m<index>}, kept across rejoins
     * @param bootstrap host:port of the nodes
     * @param settings the workload's settings
     * @param recorder where reads, commits and assignments go
     * @param counters the workload's counters
     * @param groupProgress partition to one past the highest offset any member processed, shared by the members
     */
    GroupMemberLoop(final int index, final List<String> bootstrap, final WorkloadSettings settings,
                    final HistoryRecorder recorder, final WorkloadCounters counters,
                    final ConcurrentMap<TopicPartition, Long> groupProgress) {
        this.member = "m" + index;
        this.settings = settings;
        this.recorder = recorder;
        this.counters = counters;
        this.groupProgress = groupProgress;
        this.errors = new ErrorLog(LOG, "group=" + settings.groupId() + " member=" + member, counters);
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS, String.join(",", bootstrap));
        props.put(ConsumerConfig.CLIENT_ID, ChaosWorkload.CLIENT_PREFIX + member);
        props.put(ConsumerConfig.GROUP_ID, settings.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET, "earliest");
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS, settings.requestTimeoutMs());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS, settings.apiTimeoutMs());
        this.consumer = new FerryConsumer(props);
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(settings.topic()), new Listener());
            while (running) {
                pollOnce();
            }
        } catch (final RuntimeException | Error e) {
            counters.consumerErrors.increment();
            LOG.error("group={} member={} stopped by an unexpected error", settings.groupId(), member, e);
        } finally {
            try {
                // Leaving revokes the partitions: the listener commits what was processed.
                consumer.close(Duration.ofMillis(settings.apiTimeoutMs()));
            } catch (final RuntimeException e) {
                LOG.warn("group={} member={} close failed: {}", settings.groupId(), member, e.toString());
            }
        }
    }

    private void pollOnce() {
        try {
            final ConsumerRecords records = consumer.poll(POLL);
            for (final ConsumerRecord r : records) {
                final TopicPartition tp = r.topicPartition();
                recorder.groupRead(settings.groupId(), member, tp, r.offset(), r.value());
                processed.put(tp, r.offset() + 1);
                groupProgress.merge(tp, r.offset() + 1, Math::max);
                counters.groupReads.increment();
                sinceCommit++;
            }
            if (sinceCommit >= settings.commitEveryRecords() || records.isEmpty() && sinceCommit > 0) {
                commit(processed);
            }
        } catch (final RuntimeException e) {
            errors.onError("poll failed", e);
            ErrorLog.backOff();
        }
    }

    /** Commits the processed offsets of these partitions that moved since the last commit, recording success. */
    private void commit(final Map<TopicPartition, Long> offsets) {
        final Map<TopicPartition, OffsetAndMetadata> toCommit = new LinkedHashMap<>();
        offsets.forEach((tp, next) -> {
            if (next > committed.getOrDefault(tp, -1L)) {
                toCommit.put(tp, new OffsetAndMetadata(next));
            }
        });
        if (toCommit.isEmpty()) {
            sinceCommit = 0;
            return;
        }
        try {
            consumer.commitSync(toCommit, Duration.ofMillis(settings.apiTimeoutMs()));
        } catch (final RuntimeException e) {
            errors.onError("commit of " + toCommit.keySet() + " failed", e);
            return;
        }
        toCommit.forEach((tp, o) -> {
            recorder.commit(settings.groupId(), member, tp, o.offset());
            committed.put(tp, o.offset());
            counters.commits.increment();
        });
        sinceCommit = 0;
    }

    /** Ends the loop; the thread then leaves the group (committing) and closes the consumer. */
    void stop() {
        running = false;
    }

    /** Runs on the member's thread, inside poll or close. */
    private final class Listener implements RebalanceListener {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
            final Map<TopicPartition, Long> mine = new LinkedHashMap<>();
            for (final TopicPartition tp : partitions) {
                final Long next = processed.get(tp);
                if (next != null) {
                    mine.put(tp, next);
                }
            }
            commit(mine);
            recorder.assignment(settings.groupId(), member, List.of(), partitions);
            forget(partitions);
            LOG.info("group={} member={} revoked {}", settings.groupId(), member, partitions);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions) {
            recorder.assignment(settings.groupId(), member, List.of(), partitions);
            forget(partitions);
            LOG.info("group={} member={} lost {} (membership lost; no commit)", settings.groupId(), member,
                partitions);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
            recorder.assignment(settings.groupId(), member, partitions, List.of());
            LOG.info("group={} member={} assigned {}", settings.groupId(), member, partitions);
        }

        private void forget(final Collection<TopicPartition> partitions) {
            for (final TopicPartition tp : partitions) {
                processed.remove(tp);
                committed.remove(tp);
            }
        }
    }
}
