package dev.ferry.node.metrics;

import dev.ferry.node.network.RequestObserver;
import dev.ferry.replication.RaftServerHost;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * A node's metrics, exported in Prometheus format: JVM and process, requests per API, traffic per topic, Raft
 * state per partition, under-replicated partitions and disk usage. Every series carries the tag
 * {@code node=<id>}.
 *
 * <p>Wiring: create one per node at start; hand {@link #requestObserver()} to the network server and
 * {@link #trafficRecorder()} to the Produce and Fetch handlers; {@link #addRaftHost} each Raft server host once it
 * runs; {@link #underReplicatedPartitions} with the controller's count; serve {@link #scrape} over HTTP (see
 * {@link AdminHttpServer}). Per-partition gauges are brought up to date by each scrape.
 *
 * <p>Thread-safe.
 */
public final class NodeMetrics implements Closeable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final RequestMetrics requests;
    private final TopicTrafficMetrics traffic;
    private final RaftMetrics raft;
    private final DiskMetrics disk;

    /**
     * Creates the registry and binds the JVM, process and disk meters.
     *
     * @param nodeId this node's id, the {@code node} tag of every series
     * @param dataDir the node's data directory: its file store's total, free and used bytes are exported
     * @throws java.io.UncheckedIOException when the data directory cannot be created or its file store found
     */
    public NodeMetrics(final int nodeId, final Path dataDir) {
        final String node = Integer.toString(nodeId);
        registry.config().commonTags("node", node);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        this.requests = new RequestMetrics(registry);
        this.traffic = new TopicTrafficMetrics(registry);
        this.raft = new RaftMetrics(registry, node);
        this.disk = new DiskMetrics(registry);
        disk.addFileStore(dataDir);
    }

    /** @return the observer to give the network server: request rate, latency and bytes per API */
    public RequestObserver requestObserver() {
        return requests;
    }

    /** @return the recorder to give the Produce and Fetch handlers: bytes and records per topic */
    public TrafficRecorder trafficRecorder() {
        return traffic;
    }

    /**
     * Stops exporting a deleted topic's traffic counters.
     *
     * @param topic the topic
     */
    public void removeTopic(final String topic) {
        traffic.remove(topic);
    }

    /**
     * Exports leader (1/0), term, commit index, high watermark, log end offset and commit lag for every
     * partition the host has a replica of, now and later; each scrape reconciles the set of replicas.
     *
     * @param host a running Raft server host
     */
    public void addRaftHost(final RaftServerHost host) {
        raft.add(host);
    }

    /**
     * Exports {@code ferry_under_replicated_partitions}, read at each scrape. Call once: the registry keeps the
     * first gauge of a name and ignores a second registration.
     *
     * @param count the number of partitions with fewer in-sync replicas than assigned; the integrator decides how
     *              (e.g. from the controller's view on the controller leader, 0 elsewhere). Must not block.
     */
    public void underReplicatedPartitions(final IntSupplier count) {
        Gauge.builder("ferry.under.replicated.partitions", count, IntSupplier::getAsInt)
            .description("partitions with fewer in-sync replicas than assigned").strongReference(true)
            .register(registry);
    }

    /**
     * Exports the size of a directory of partition logs as {@code ferry_log_dir_size_bytes{path=...}}.
     *
     * @param logDir the directory (e.g. the {@code logs} directory of a Raft server host's data directory)
     */
    public void addLogDir(final Path logDir) {
        disk.addLogDir(logDir);
    }

    /** @return the registry, for meters of other components (they inherit the {@code node} tag) */
    public MeterRegistry registry() {
        return registry;
    }

    /** @return every meter in the Prometheus text format (0.0.4), per-partition gauges refreshed first */
    public String scrape() {
        raft.refresh();
        return registry.scrape();
    }

    /**
     * @param out where the Prometheus text format (0.0.4) is written; per-partition gauges are refreshed first
     * @throws IOException when writing fails
     */
    public void scrape(final OutputStream out) throws IOException {
        raft.refresh();
        registry.scrape(out);
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }
}
