package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.Op;
import dev.ferry.client.TopicPartition;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * After healing, every replica of a partition must hold the same bytes up to the same high watermark: the
 * digests the history recorded per node must all be equal. A node's later digest replaces its earlier one.
 *
 * <p>Not thread-safe; one per check.
 */
final class ReplicaChecks {
    private final HistoryIndex index;
    private final Anomalies anomalies;

    ReplicaChecks(final HistoryIndex index, final Anomalies anomalies) {
        this.index = index;
        this.anomalies = anomalies;
    }

    void run() {
        final Map<TopicPartition, Map<String, Op.ReplicaDigest>> byPartition = new LinkedHashMap<>();
        for (final Op.ReplicaDigest digest : index.history.ofType(Op.ReplicaDigest.class)) {
            byPartition.computeIfAbsent(digest.partition(), p -> new TreeMap<>()).put(digest.node(), digest);
        }
        for (final Map.Entry<TopicPartition, Map<String, Op.ReplicaDigest>> e : byPartition.entrySet()) {
            final long distinct = e.getValue().values().stream()
                    .map(d -> d.highWatermark() + "/" + d.digest())
                    .distinct()
                    .count();
            if (distinct > 1) {
                final StringBuilder nodes = new StringBuilder();
                for (final Op.ReplicaDigest d : e.getValue().values()) {
                    nodes.append(' ').append(d.node()).append("=hw ").append(d.highWatermark()).append(' ')
                            .append(d.digest(), 0, Math.min(12, d.digest().length()));
                }
                anomalies.add(AnomalyKind.DIVERGED, "partition " + e.getKey() + " replicas differ:" + nodes);
            }
        }
    }
}
