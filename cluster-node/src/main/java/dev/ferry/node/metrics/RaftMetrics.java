package dev.ferry.node.metrics;

import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * Per-partition Raft gauges (leader, term, commit index, high watermark, log end, commit lag) for the replicas
 * of one or more {@link RaftServerHost}s.
 *
 * <p>Replicas come and go, so gauges are reconciled with {@code host.partitions()} and their values read from
 * {@code host.status(p)} by {@link #refresh()}, which the scrape calls: a status per replica per scrape, and no
 * background thread. Gauges read the values of the last refresh. Thread-safe; refreshes are serialised.
 */
final class RaftMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(RaftMetrics.class);

    private final MeterRegistry registry;
    private final String nodeId;
    private final List<RaftServerHost> hosts = new CopyOnWriteArrayList<>();
    private final Map<PartitionId, Replica> replicas = new HashMap<>();

    RaftMetrics(final MeterRegistry registry, final String nodeId) {
        this.registry = registry;
        this.nodeId = nodeId;
    }

    void add(final RaftServerHost host) {
        hosts.add(host);
    }

    synchronized void refresh() {
        final Set<PartitionId> seen = new HashSet<>();
        for (final RaftServerHost host : hosts) {
            for (final PartitionId p : host.partitions()) {
                final ReplicaStatus status;
                try {
                    status = host.status(p);
                } catch (final IOException | RuntimeException e) {
                    // Removed between partitions() and status(): its gauges go below.
                    LOG.debug("node={} partition={} no status for metrics: {}", nodeId, p, e.toString());
                    continue;
                }
                seen.add(p);
                replicas.computeIfAbsent(p, this::register).status = status;
            }
        }
        final List<PartitionId> gone = new ArrayList<>();
        replicas.keySet().forEach(p -> {
            if (!seen.contains(p)) {
                gone.add(p);
            }
        });
        for (final PartitionId p : gone) {
            replicas.remove(p).meters.forEach(registry::remove);
        }
    }

    private Replica register(final PartitionId p) {
        final Replica r = new Replica();
        final Tags tags = Tags.of("topic", p.topic(), "partition", Integer.toString(p.partition()));
        r.gauge("ferry.raft.leader", "1 when this replica leads its partition's Raft group, else 0", tags,
            s -> s.leader() ? 1 : 0);
        r.gauge("ferry.raft.term", "current Raft term", tags, ReplicaStatus::term);
        r.gauge("ferry.raft.commit.index", "Raft commit index", tags, ReplicaStatus::commitIndex);
        r.gauge("ferry.partition.high.watermark", "end offset of committed data applied here", tags,
            ReplicaStatus::highWatermark);
        r.gauge("ferry.partition.log.end.offset", "end of this replica's log, uncommitted data included", tags,
            ReplicaStatus::logEndOffset);
        r.gauge("ferry.partition.commit.lag", "log end offset minus high watermark: appended, not yet committed",
            tags, s -> Math.max(0, s.logEndOffset() - s.highWatermark()));
        return r;
    }

    private final class Replica {
        private final List<Meter> meters = new ArrayList<>();
        private volatile ReplicaStatus status;

        void gauge(final String name, final String doc, final Tags tags, final ToDoubleFunction<ReplicaStatus> f) {
            meters.add(Gauge.builder(name, this, r -> {
                final ReplicaStatus s = r.status;
                return s == null ? Double.NaN : f.applyAsDouble(s);
            }).description(doc).tags(tags).strongReference(true).register(registry));
        }
    }
}
