package dev.ferry.bench;

import dev.ferry.log.LogConfig;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.Time;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.replication.Acks;
import dev.ferry.replication.Durability;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.RaftTuning;
import org.apache.ratis.protocol.RaftPeer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Replication's throughput benchmark (a perf tool, not a test): in one run and one JVM it measures
 * <ol>
 *   <li>core-log alone: {@link PartitionLog#append} of 64 KiB batches of 1 KiB records, the baseline;</li>
 *   <li>3 replicas ({@link RaftServerHost}s on 127.0.0.1 ports), {@link Durability#REPLICATED}, acks=all, a window
 *       of appends in flight to the leader;</li>
 *   <li>the same with {@link Durability#FSYNC};</li>
 * </ol>
 * and prints MB/s, records/s, the ratio to core-log alone, ack latency percentiles, and the bytes written to disk
 * per byte produced per replica from {@code /proc/self/io}, from the block device's sector count (whole machine),
 * and from the files left on disk.
 *
 * <p>All replicas share this JVM, its 2 cores and one disk, so the replicated figures are a lower bound of a
 * 3-machine cluster and an upper bound of its cost per produced byte. Not thread-safe (a main); the ack
 * callbacks run on Ratis threads and touch only the window, the failure slot and their own latency slot.
 */
final class ReplicationPerf {
    private static final int REPLICAS = 3;
    private static final PartitionId PARTITION = new PartitionId("perf", 0);
    private static final long REPORT_NS = 2_000_000_000L;

    private ReplicationPerf() {
    }

    /** What one phase produces: batches of fixed size built from one random value. Immutable. */
    private record Workload(long totalBytes, int recordBytes, int batchBytes, byte[] value, int batchSize) {
        static Workload of(final long totalBytes, final int recordBytes, final int batchBytes) {
            final byte[] value = new byte[recordBytes];
            new Random(42).nextBytes(value);
            final Workload probe = new Workload(totalBytes, recordBytes, batchBytes, value, 0);
            final int size = probe.build(ByteBuffer.allocate(batchBytes)).bytes().remaining();
            return new Workload(totalBytes, recordBytes, batchBytes, value, size);
        }

        /** @return a full batch built at the start of {@code buffer} */
        Batch build(final ByteBuffer buffer) {
            buffer.clear();
            final RecordBatchBuilder builder = new RecordBatchBuilder(buffer);
            final long now = System.currentTimeMillis();
            while (builder.hasRoomFor(now, null, value)) {
                builder.append(now, null, value);
            }
            final int records = builder.recordCount();
            return new Batch(builder.build(), records);
        }

        int batchCount() {
            return (int) ((totalBytes + batchSize - 1) / batchSize);
        }
    }

    private record Batch(ByteBuffer bytes, int records) {
    }

    /** The measures of one phase. Immutable but for the latency array, which nobody changes after it is built. */
    private record Phase(String name, long bytes, long records, double seconds, long[] sortedLatenciesNs,
                         double ioPerByte, double devicePerByte, double filesPerByte, double cpuSeconds) {
        double mbs() {
            return bytes / 1e6 / seconds;
        }

        double recordsPerSecond() {
            return records / seconds;
        }

        String latencyMs(final double quantile) {
            if (sortedLatenciesNs.length == 0) {
                return "-";
            }
            return String.format("%.1f", sortedLatenciesNs[(int) (quantile * (sortedLatenciesNs.length - 1))] / 1e6);
        }
    }

    static void main(final String[] args) throws Exception {
        ProcessStats.quietLogging();
        final Args options = new Args(args);
        final Workload w = Workload.of(options.bytes("bytes", 1L << 30), (int) options.bytes("record-size", 1024),
            (int) options.bytes("batch-size", 64 << 10));
        final int inflight = (int) options.bytes("inflight", 16);
        final Path base = Path.of(options.string("dir", "benchmarks/target/replication-perf"));
        Files.createDirectories(base);
        final Path dir = Files.createTempDirectory(base, "run-");
        System.out.printf("replication-perf: %s of %d-byte records in %d-byte batches (%d batches), %d in flight,"
                + " %d replicas in one JVM, dir=%s, %d cores, java %s, max heap %s%n", ProcessStats.human(w.totalBytes),
            w.recordBytes, w.batchSize, w.batchCount(), inflight, REPLICAS, dir.toAbsolutePath(),
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            ProcessStats.human(Runtime.getRuntime().maxMemory()));
        try {
            final Phase core = coreLog(dir.resolve("core-log"), w);
            final Phase replicated = replicated(dir.resolve("replicated"), Durability.REPLICATED, w, inflight);
            final Phase fsync = replicated(dir.resolve("fsync"), Durability.FSYNC, w, inflight);
            printTable(core, List.of(core, replicated, fsync));
        } finally {
            ProcessStats.deleteTree(dir);
        }
    }

    private static void printTable(final Phase core, final List<Phase> phases) {
        System.out.println();
        System.out.println("| measure | MB/s | records/s | ratio vs core-log | ack p50 ms | ack p99 ms"
            + " | disk B per B produced per replica: /proc/self/io write_bytes | block device sectors written"
            + " | file sizes | CPU s per GB |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (final Phase p : phases) {
            System.out.printf("| %s | %.0f | %,.0f | %.2f | %s | %s | %.3f | %.3f | %.3f | %.1f |%n", p.name(),
                p.mbs(), p.recordsPerSecond(), p.mbs() / core.mbs(), p.latencyMs(0.50), p.latencyMs(0.99),
                p.ioPerByte(), p.devicePerByte(), p.filesPerByte(), p.cpuSeconds() / (p.bytes() / 1e9));
        }
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime() / 1e9;
    }

    private static Phase coreLog(final Path dir, final Workload w) throws IOException, InterruptedException {
        ProcessStats.sync();
        final long ioBefore = ProcessStats.ioWriteBytes();
        final long deviceBefore = ProcessStats.deviceWriteBytes(dir.getParent());
        final double cpuBefore = cpuSeconds();
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        long bytes = 0;
        long records = 0;
        final double sec;
        final long ioAfter;
        final long deviceAfter;
        try (PartitionLog log = PartitionLog.open(dir, LogConfig.DEFAULTS, Time.SYSTEM, scheduler)) {
            // The log copies the batch into the page cache before append returns: one buffer serves every batch.
            final ByteBuffer buffer = ByteBuffer.allocateDirect(w.batchBytes());
            final long start = System.nanoTime();
            long lastReport = start;
            while (bytes < w.totalBytes()) {
                final Batch b = w.build(buffer);
                bytes += log.append(b.bytes()).sizeInBytes();
                records += b.records();
                lastReport = progress("core-log", bytes, start, lastReport);
            }
            sec = (System.nanoTime() - start) / 1e9;
            ProcessStats.sync();
            ioAfter = ProcessStats.ioWriteBytes();
            deviceAfter = ProcessStats.deviceWriteBytes(dir);
        } finally {
            scheduler.shutdownNow();
        }
        final double cpu = cpuSeconds() - cpuBefore;
        final long files = ProcessStats.dirSize(dir);
        System.out.printf("core-log: %s, %,d records in %.2f s = %.0f MB/s; /proc/self/io write_bytes +%s, block"
                + " device +%s, files %s%n", ProcessStats.human(bytes), records, sec, bytes / 1e6 / sec,
            ProcessStats.human(ioAfter - ioBefore), ProcessStats.human(deviceAfter - deviceBefore),
            ProcessStats.human(files));
        ProcessStats.deleteTree(dir);
        return new Phase("core-log alone: PartitionLog.append, " + w.recordBytes() + " B records in "
            + (w.batchBytes() >> 10) + " KiB batches", bytes, records, sec, new long[0],
            (ioAfter - ioBefore) / (double) bytes, (deviceAfter - deviceBefore) / (double) bytes,
            files / (double) bytes, cpu);
    }

    private static long progress(final String label, final long bytes, final long start, final long lastReport) {
        final long t = System.nanoTime();
        if (t - lastReport < REPORT_NS) {
            return lastReport;
        }
        System.out.printf("  %s: %s so far, %.0f MB/s%n", label, ProcessStats.human(bytes),
            bytes / 1e6 / ((t - start) / 1e9));
        return t;
    }

    private static String nodeId(final int i) {
        return "n" + i;
    }

    private static Phase replicated(final Path dir, final Durability durability, final Workload w, final int inflight)
        throws Exception {
        final String label = durability.name();
        ProcessStats.sync();
        final long ioBefore = ProcessStats.ioWriteBytes();
        final long deviceBefore = ProcessStats.deviceWriteBytes(dir.getParent());
        final double cpuBefore = cpuSeconds();
        final int[] ports = ProcessStats.freePorts(REPLICAS);
        final List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < REPLICAS; i++) {
            peers.add(RaftServerHost.peer(nodeId(i), "127.0.0.1:" + ports[i]));
        }
        final RaftServerHost[] hosts = new RaftServerHost[REPLICAS];
        final Drive drive;
        final long ioAfter;
        final long deviceAfter;
        try {
            for (int i = 0; i < REPLICAS; i++) {
                hosts[i] = new RaftServerHost(nodeId(i), "127.0.0.1", ports[i], dir.resolve(nodeId(i)), durability,
                    LogConfig.DEFAULTS, RaftTuning.DEFAULTS, null);
            }
            for (final RaftServerHost h : hosts) {
                h.addReplica(PARTITION, peers);
            }
            final RaftServerHost leader = awaitLeader(hosts);
            drive = drive(leader, w, inflight, label);
            // The slowest replica is not needed for an ack; wait for it so that every replica wrote everything.
            final long caughtUpMs = awaitHighWatermark(hosts, drive.records());
            ProcessStats.sync();
            ioAfter = ProcessStats.ioWriteBytes();
            deviceAfter = ProcessStats.deviceWriteBytes(dir);
            System.out.printf("%s: %s, %,d records acked in %.2f s = %.0f MB/s; every replica committed all %,d ms"
                    + " after the last ack; /proc/self/io write_bytes +%s, block device +%s%n", label,
                ProcessStats.human(drive.bytes()), drive.records(), drive.seconds(),
                drive.bytes() / 1e6 / drive.seconds(), caughtUpMs, ProcessStats.human(ioAfter - ioBefore),
                ProcessStats.human(deviceAfter - deviceBefore));
        } finally {
            close(hosts);
        }
        final double cpu = cpuSeconds() - cpuBefore;
        long files = 0;
        for (int i = 0; i < REPLICAS; i++) {
            final long raft = ProcessStats.dirSize(dir.resolve(nodeId(i)).resolve("raft"));
            final long all = ProcessStats.dirSize(dir.resolve(nodeId(i)));
            files += all;
            System.out.printf("  %s replica %s: files %s = %.4f B per B produced (Raft log and metadata %s,"
                + " partition log %s)%n", label, nodeId(i), ProcessStats.human(all), all / (double) drive.bytes(),
                ProcessStats.human(raft), ProcessStats.human(all - raft));
        }
        ProcessStats.deleteTree(dir);
        return new Phase(REPLICAS + " replicas, " + label + ", acks=all, " + inflight + " in flight to the leader",
            drive.bytes(), drive.records(), drive.seconds(), drive.sortedLatenciesNs(),
            (ioAfter - ioBefore) / (double) REPLICAS / drive.bytes(),
            (deviceAfter - deviceBefore) / (double) REPLICAS / drive.bytes(), files / (double) REPLICAS / drive.bytes(),
            cpu);
    }

    private static void close(final RaftServerHost[] hosts) throws IOException {
        IOException first = null;
        for (final RaftServerHost h : hosts) {
            if (h == null) {
                continue;
            }
            try {
                h.close();
            } catch (final IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static RaftServerHost awaitLeader(final RaftServerHost[] hosts) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        final long start = System.nanoTime();
        while (System.nanoTime() < deadline) {
            for (final RaftServerHost h : hosts) {
                if (h.status(PARTITION).leader() && h.stateMachine(PARTITION).isLeaderReady()) {
                    System.out.printf("  leader %s ready %d ms after the group was added%n", h.nodeId(),
                        (System.nanoTime() - start) / 1_000_000);
                    return h;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no leader ready within 30 s for " + PARTITION);
    }

    private static long awaitHighWatermark(final RaftServerHost[] hosts, final long offset) throws Exception {
        final long start = System.nanoTime();
        final long deadline = start + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (final RaftServerHost h : hosts) {
                all &= h.stateMachine(PARTITION).highWatermark().offset() >= offset;
            }
            if (all) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(10);
        }
        final StringBuilder s = new StringBuilder();
        for (final RaftServerHost h : hosts) {
            s.append(' ').append(h.status(PARTITION));
        }
        throw new IllegalStateException("replicas not caught up to offset " + offset + " within 120 s:" + s);
    }

    private record Drive(long bytes, long records, double seconds, long[] sortedLatenciesNs) {
    }

    /**
     * Keeps {@code inflight} appends outstanding, as a producer with that many requests in flight would: a permit
     * is taken before each append and given back by its ack.
     */
    private static Drive drive(final RaftServerHost leader, final Workload w, final int inflight, final String label)
        throws Exception {
        final Semaphore window = new Semaphore(inflight);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final long[] latencies = new long[w.batchCount()];
        int n = 0;
        long bytes = 0;
        long records = 0;
        final long start = System.nanoTime();
        long lastReport = start;
        while (bytes < w.totalBytes()) {
            window.acquire();
            if (failure.get() != null) {
                break;
            }
            // A fresh buffer per batch: Ratis wraps the bytes without a copy and keeps them in its entry cache
            // until every follower has them, after the ack; reusing a buffer would corrupt a lagging follower.
            final Batch b = w.build(ByteBuffer.allocate(w.batchBytes()));
            final int size = b.bytes().remaining();
            final int slot = n++;
            final long t0 = System.nanoTime();
            leader.append(PARTITION, b.bytes(), Acks.ALL).whenComplete((r, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                } else {
                    latencies[slot] = System.nanoTime() - t0;
                }
                window.release();
            });
            bytes += size;
            records += b.records();
            lastReport = progress(label, bytes, start, lastReport);
        }
        if (!window.tryAcquire(inflight, 120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(label + ": " + (inflight - window.availablePermits())
                + " appends not acknowledged within 120 s");
        }
        final double sec = (System.nanoTime() - start) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException(label + ": append failed, " + n + " batches sent", failure.get());
        }
        final long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new Drive(bytes, records, sec, sorted);
    }
}
