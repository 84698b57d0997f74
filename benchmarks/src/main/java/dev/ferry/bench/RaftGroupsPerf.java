package dev.ferry.bench;

import dev.ferry.log.LogConfig;
import dev.ferry.replication.Durability;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.RaftTuning;
import org.apache.ratis.protocol.RaftPeer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Multi-raft cost benchmark (a perf tool, not a test): what N Raft groups cost a node that hosts them, for each N
 * of {@code --groups} (100,1000 by default), each in a fresh set of {@link RaftServerHost}s closed afterwards:
 * time to add every group and to get every leader ready, live threads, heap used after a GC, JDK direct memory
 * (plus Ratis's shaded Netty's own counter), RSS, the disk taken, and the process CPU time burnt while the groups
 * sit idle for {@code --idle-seconds}. Per-group figures are the increase over the same JVM before the hosts
 * started, divided by the number of groups.
 *
 * <p>By default ({@code --peers 1}) one host holds single-peer groups: each elects itself, so the per-group
 * divisions, logs, threads and buffers are all there, but no heartbeats or appenders run, so the idle CPU is a
 * floor. {@code --peers 3} runs three hosts in this JVM with every group on all three (3 divisions per group,
 * heartbeats over 127.0.0.1). Not thread-safe (a main).
 */
final class RaftGroupsPerf {
    private static final int ELECTION_MIN_MS = 1000;
    private static final int ELECTION_MAX_MS = 2000;

    private RaftGroupsPerf() {
    }

    /** The settings of every run. Immutable. */
    private record Settings(int peers, Durability durability, RaftTuning tuning, LogConfig logConfig,
                            int idleSeconds, Path baseDir) {
    }

    /** Process-wide measures at one moment. Immutable. */
    private record Snapshot(int threads, long heapAfterGc, long jdkDirect, long nettyDirect, long rss) {
        static Snapshot take() throws InterruptedException {
            // Two collections and a pause, so the heap figure is the live set and cleaned direct buffers are gone.
            System.gc();
            Thread.sleep(200);
            System.gc();
            return new Snapshot(ManagementFactory.getThreadMXBean().getThreadCount(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), ProcessStats.jdkDirectBytes(),
                ProcessStats.nettyDirectBytes(), ProcessStats.rssBytes());
        }
    }

    /** The outcome of one run. Immutable. */
    private record Result(int groups, int added, double addSeconds, double readySeconds, Snapshot before,
                          Snapshot loaded, double idleCpuSeconds, double closeSeconds, Snapshot afterClose,
                          long diskBytes, long diskBytesAfterClose, String failure) {
    }

    static void main(final String[] args) throws Exception {
        ProcessStats.quietLogging();
        final Args options = new Args(args);
        final int[] counts = Arrays.stream(options.string("groups", "100,1000").split(",")).map(String::trim)
            .mapToInt(Integer::parseInt).toArray();
        final int maxEntryBytes = (int) options.bytes("max-entry-bytes", 1 << 20);
        final int peers = Integer.parseInt(options.string("peers", "1"));
        if (peers != 1 && peers != 3) {
            throw new IllegalArgumentException("--peers expects 1 (single-peer groups) or 3, got: " + peers);
        }
        // A batch must fit in an entry: the host refuses max.batch.bytes above maxEntryBytes.
        final LogConfig logConfig = LogConfig.from(Map.of(LogConfig.MAX_BATCH_BYTES,
            Math.min(LogConfig.DEFAULTS.maxBatchBytes(), maxEntryBytes)));
        final Settings s = new Settings(peers, Durability.valueOf(options.string("durability", "REPLICATED")
            .toUpperCase()), new RaftTuning(ELECTION_MIN_MS, ELECTION_MAX_MS, maxEntryBytes,
                RaftTuning.DEFAULTS.snapshotEntries(), RaftTuning.DEFAULTS.raftLogSegmentBytes()), logConfig,
            (int) options.bytes("idle-seconds", 30), Path.of(options.string("dir", "benchmarks/target/raft-groups")));
        Files.createDirectories(s.baseDir());
        System.out.printf("raft-groups: %s, groups %s, durability %s, election timeout %d-%d ms, maxEntryBytes %d"
                + " (Ratis write buffer per division = %d + 64 KiB = %s direct), max.batch.bytes %d, idle %d s,"
                + " %d cores, java %s, max heap %s, max direct %s%n",
            peers == 1 ? "ONE host, single-peer groups (no followers: no heartbeats, no appenders)"
                : "THREE hosts in this JVM, every group on all three",
            Arrays.toString(counts), s.durability(), ELECTION_MIN_MS, ELECTION_MAX_MS, maxEntryBytes, maxEntryBytes,
            ProcessStats.human(maxEntryBytes + (64L << 10)), logConfig.maxBatchBytes(), s.idleSeconds(),
            Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
            ProcessStats.human(Runtime.getRuntime().maxMemory()), maxDirect());
        final List<Result> results = new ArrayList<>();
        for (final int groups : counts) {
            results.add(run(s, groups));
        }
        printTable(s, results);
    }

    private static String maxDirect() {
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxDirectMemorySize=")) {
                return arg.substring(arg.indexOf('=') + 1);
            }
        }
        return "= max heap (default)";
    }

    private static String nodeId(final int i) {
        return "n" + i;
    }

    private static Result run(final Settings s, final int groups) throws Exception {
        final Path dir = Files.createTempDirectory(s.baseDir(), "groups-" + groups + "-");
        System.out.printf("%n== %d groups, dir=%s%n", groups, dir.toAbsolutePath());
        final Snapshot before = Snapshot.take();
        final List<RaftPeer> peers = new ArrayList<>();
        final int[] ports = ProcessStats.freePorts(s.peers());
        for (int i = 0; i < s.peers(); i++) {
            peers.add(RaftServerHost.peer(nodeId(i), "127.0.0.1:" + ports[i]));
        }
        final RaftServerHost[] hosts = new RaftServerHost[s.peers()];
        int added = 0;
        String failure = null;
        double addSec = Double.NaN;
        double readySec = Double.NaN;
        Snapshot loaded = null;
        double idleCpu = Double.NaN;
        long disk = -1;
        final double closeSec;
        try {
            for (int i = 0; i < s.peers(); i++) {
                hosts[i] = new RaftServerHost(nodeId(i), "127.0.0.1", ports[i], dir.resolve(nodeId(i)),
                    s.durability(), s.logConfig(), s.tuning(), null);
            }
            final long start = System.nanoTime();
            try {
                added = addGroups(hosts, peers, groups, start);
            } catch (final Exception | Error e) {
                // What stops the adding (direct memory, threads, files) is the finding: report it, keep measuring.
                failure = e.toString();
                System.out.println("  adding groups FAILED after " + countAdded(hosts) + " groups:");
                e.printStackTrace(System.out);
                added = countAdded(hosts);
            }
            addSec = (System.nanoTime() - start) / 1e9;
            readySec = awaitLeaders(hosts, added, start);
            loaded = Snapshot.take();
            // While open: the active segments' preallocated index and Raft log space is still there.
            disk = ProcessStats.dirSize(dir);
            printCensus(added);
            final double cpu0 = cpuSeconds();
            Thread.sleep(TimeUnit.SECONDS.toMillis(s.idleSeconds()));
            idleCpu = cpuSeconds() - cpu0;
        } finally {
            final long closeStart = System.nanoTime();
            closeAll(hosts);
            closeSec = (System.nanoTime() - closeStart) / 1e9;
        }
        final Snapshot after = Snapshot.take();
        final long diskAfterClose = ProcessStats.dirSize(dir);
        ProcessStats.deleteTree(dir);
        final Result r = new Result(groups, added, addSec, readySec, before, loaded, idleCpu, closeSec, after, disk,
            diskAfterClose, failure);
        printRun(r);
        return r;
    }

    private static int countAdded(final RaftServerHost[] hosts) {
        int n = 0;
        while (hosts[hosts.length - 1].stateMachine(new PartitionId("groups", n)) != null) {
            n++;
        }
        return n;
    }

    private static int addGroups(final RaftServerHost[] hosts, final List<RaftPeer> peers, final int groups,
                                 final long start) throws IOException {
        long lastReport = start;
        for (int g = 0; g < groups; g++) {
            final PartitionId p = new PartitionId("groups", g);
            for (final RaftServerHost h : hosts) {
                h.addReplica(p, peers);
            }
            final long t = System.nanoTime();
            if (t - lastReport > 5_000_000_000L) {
                System.out.printf("  %d groups added in %.1f s: %d threads, JDK direct %s, RSS %s%n", g + 1,
                    (t - start) / 1e9, Thread.activeCount(), ProcessStats.human(ProcessStats.jdkDirectBytes()),
                    ProcessStats.human(ProcessStats.rssBytes()));
                lastReport = t;
            }
        }
        return groups;
    }

    /** @return seconds from {@code start} until every group has a ready leader, or NaN after 300 s */
    private static double awaitLeaders(final RaftServerHost[] hosts, final int groups, final long start)
        throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        int next = 0;
        while (next < groups) {
            if (System.nanoTime() > deadline) {
                System.out.printf("  only %d of %d groups had a ready leader after 300 s%n", next, groups);
                return Double.NaN;
            }
            if (hasReadyLeader(hosts, new PartitionId("groups", next))) {
                next++;
            } else {
                Thread.sleep(10);
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static boolean hasReadyLeader(final RaftServerHost[] hosts, final PartitionId p) throws IOException {
        for (final RaftServerHost h : hosts) {
            if (h.status(p).leader() && h.stateMachine(p).isLeaderReady()) {
                return true;
            }
        }
        return false;
    }

    private static void closeAll(final RaftServerHost[] hosts) {
        for (final RaftServerHost h : hosts) {
            if (h == null) {
                continue;
            }
            try {
                h.close();
            } catch (final IOException | RuntimeException e) {
                // A failed close must not hide the measures; it is reported with them.
                System.out.println("  close of " + h.nodeId() + " failed: " + e);
            }
        }
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime() / 1e9;
    }

    /** Live threads by name with group ids and numbers blanked out: which component spends the threads. */
    private static void printCensus(final int groups) {
        final Map<String, Integer> byKind = new TreeMap<>();
        for (final Thread t : Thread.getAllStackTraces().keySet()) {
            final String kind = t.getName().replaceAll("group-[0-9A-Fa-f]{12}", "group-*")
                .replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "*")
                .replaceAll("\\d+", "#");
            byKind.merge(kind, 1, Integer::sum);
        }
        System.out.printf("  thread census with %d groups (name pattern: count, per group):%n", groups);
        byKind.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(15).forEach(e ->
            System.out.printf("    %-60s %6d  %.2f%n", e.getKey(), e.getValue(), e.getValue() / (double) groups));
    }

    private static void printRun(final Result r) {
        System.out.printf("  %d groups: added %d in %.2f s, all leaders ready after %.2f s, closed in %.2f s;"
                + " threads %d -> %s -> %d after close; JDK direct %s -> %s -> %s after close; disk %s open, %s after"
                + " close%s%n",
            r.groups(), r.added(), r.addSeconds(), r.readySeconds(), r.closeSeconds(), r.before().threads(),
            r.loaded() == null ? "?" : Integer.toString(r.loaded().threads()), r.afterClose().threads(),
            ProcessStats.human(r.before().jdkDirect()),
            r.loaded() == null ? "?" : ProcessStats.human(r.loaded().jdkDirect()),
            ProcessStats.human(r.afterClose().jdkDirect()), ProcessStats.human(r.diskBytes()),
            ProcessStats.human(r.diskBytesAfterClose()), r.failure() == null ? "" : "; FAILED: " + r.failure());
    }

    private static void printTable(final Settings s, final List<Result> results) {
        System.out.println();
        System.out.println("| groups (" + (s.peers() == 1 ? "single-peer" : "3 peers, 3 hosts in 1 JVM")
            + ") | add all s | all leaders ready s | threads (per group) | heap after GC MiB (KiB per group)"
            + " | JDK direct MiB (KiB per group) | Netty direct MiB | RSS MiB (KiB per group)"
            + " | idle CPU, % of a core (ms/s per 1000 groups) | disk KiB per group (open)"
            + " | threads left after close |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (final Result r : results) {
            final Snapshot b = r.before();
            final Snapshot l = r.loaded();
            final int n = Math.max(1, r.added());
            final double cpuPct = r.idleCpuSeconds() / s.idleSeconds() * 100;
            System.out.printf("| %d%s | %.2f | %.2f | %d (%.2f) | %.0f (%.0f) | %.0f (%.0f) | %s | %.0f (%.0f)"
                    + " | %.1f%% (%.1f) | %.1f | %d |%n", r.groups(),
                r.added() == r.groups() ? "" : " (only " + r.added() + " added)", r.addSeconds(), r.readySeconds(),
                l.threads(), (l.threads() - b.threads()) / (double) n, mib(l.heapAfterGc()),
                (l.heapAfterGc() - b.heapAfterGc()) / 1024.0 / n, mib(l.jdkDirect()),
                (l.jdkDirect() - b.jdkDirect()) / 1024.0 / n,
                l.nettyDirect() < 0 ? "n/a" : String.format("%.0f", mib(l.nettyDirect())), mib(l.rss()),
                (l.rss() - b.rss()) / 1024.0 / n, cpuPct, cpuPct * 10 * 1000 / n, r.diskBytes() / 1024.0 / n,
                r.afterClose().threads() - b.threads());
        }
    }

    private static double mib(final long bytes) {
        return bytes / (double) (1 << 20);
    }
}
