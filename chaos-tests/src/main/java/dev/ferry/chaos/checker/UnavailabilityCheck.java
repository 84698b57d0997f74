package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.Op;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Measures, for each fault that takes leaders away, the time from its start to the acknowledgement of the first
 * write sent at or after that start, on each partition the killed node led (every partition when the nemesis did
 * not know). Writes sent before the fault are left out: one already committed before the kill would be
 * acknowledged a moment after it and hide the outage.
 *
 * <p>Not thread-safe; one per check.
 */
final class UnavailabilityCheck {
    private final HistoryIndex index;
    /** Per partition: (invoked, acknowledged) times of acknowledged writes, by invocation time. */
    private final Map<TopicPartition, long[][]> acksByPartition = new HashMap<>();

    UnavailabilityCheck(final HistoryIndex index) {
        this.index = index;
        final Map<TopicPartition, List<long[]>> lists = new HashMap<>();
        for (final SentValue value : index.sent.values()) {
            for (final Op.SendResult ack : value.acks) {
                lists.computeIfAbsent(ack.partition(), p -> new ArrayList<>())
                        .add(new long[] {value.firstSend.monoNs(), ack.monoNs()});
            }
        }
        for (final Map.Entry<TopicPartition, List<long[]>> e : lists.entrySet()) {
            final List<long[]> list = e.getValue();
            list.sort(Comparator.comparingLong(a -> a[0]));
            final long[][] rows = list.toArray(new long[0][]);
            // Suffix minimum of the ack time: the earliest ack among writes invoked at or after each row.
            for (int i = rows.length - 2; i >= 0; i--) {
                rows[i][1] = Math.min(rows[i][1], rows[i + 1][1]);
            }
            acksByPartition.put(e.getKey(), rows);
        }
    }

    Unavailability run() {
        final List<UnavailabilitySample> samples = new ArrayList<>();
        for (final Op.FaultStart fault : index.history.ofType(Op.FaultStart.class)) {
            if (!fault.kind().takesLeadersAway()) {
                continue;
            }
            final Set<TopicPartition> affected = new TreeSet<>(Comparator.comparing(TopicPartition::toString));
            affected.addAll(fault.ledPartitions().isEmpty() ? index.partitions : fault.ledPartitions());
            for (final TopicPartition partition : affected) {
                final long ackNs = firstAckOfWriteSentAtOrAfter(partition, fault.monoNs());
                final double millis = ackNs < 0 ? -1 : (ackNs - fault.monoNs()) / 1e6;
                samples.add(new UnavailabilitySample(fault.faultId(), fault.name(), partition, millis));
            }
        }
        return Unavailability.of(samples);
    }

    private long firstAckOfWriteSentAtOrAfter(final TopicPartition partition, final long startNs) {
        final long[][] rows = acksByPartition.get(partition);
        if (rows == null) {
            return -1;
        }
        int lo = 0;
        int hi = rows.length;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (rows[mid][0] < startNs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == rows.length ? -1 : rows[lo][1];
    }
}
