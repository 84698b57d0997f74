package dev.ferry.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The partition logs of one data directory, and the background work they share: one scheduler thread runs the
 * {@code flush.ms} checks, retention, checkpoints, the flush after each roll and delayed file deletions.
 *
 * <p>Retention never deletes data at or above the bound the owner gives for each log (the high watermark, or
 * what the replication layer has snapshotted): see {@link #LogManager(Path, Time, long, ToLongFunction)}.
 *
 * <p>Thread-safe.
 */
public final class LogManager implements Closeable {
    /** Suffix of a partition directory set aside because its log refused to open. */
    public static final String DAMAGED_SUFFIX = ".damaged-";
    /** How often retention, flush.ms and checkpoints are checked. */
    public static final long DEFAULT_CHECK_INTERVAL_MS = 30_000;

    private static final Logger LOG = LoggerFactory.getLogger(LogManager.class);

    private final Path dataDir;
    private final Time time;
    private final ToLongFunction<PartitionLog> maxDeletableOffset;
    private final ScheduledExecutorService scheduler;
    private final Map<String, PartitionLog> logs = new ConcurrentHashMap<>();

    /**
     * @param dataDir directory holding one sub-directory per partition
     * @param time the clock
     * @param checkIntervalMs period of the retention, flush.ms and checkpoint checks
     * @param maxDeletableOffset for each log, the offset retention must stay below
     * @throws IOException when the directory cannot be created
     */
    public LogManager(final Path dataDir, final Time time, final long checkIntervalMs,
                      final ToLongFunction<PartitionLog> maxDeletableOffset) throws IOException {
        this.dataDir = Files.createDirectories(dataDir);
        this.time = time;
        this.maxDeletableOffset = maxDeletableOffset;
        final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            final Thread t = new Thread(r, "ferry-log-scheduler");
            t.setDaemon(true);
            return t;
        });
        // close() drops delayed tasks (file deletions due in file.delete.delay.ms, flushes after a roll): each
        // log's close deletes its pending files and flushes itself, so waiting for them would only stall close.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = executor;
        scheduler.scheduleWithFixedDelay(this::runChecks, checkIntervalMs, checkIntervalMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Opens, creating when absent, the log of one partition.
     *
     * @param partition the partition's directory name, e.g. {@code orders-3}
     * @param config its settings
     * @return the open log; the same instance for the same name until it is closed
     * @throws IOException on a load error
     */
    public PartitionLog open(final String partition, final LogConfig config) throws IOException {
        final PartitionLog existing = logs.get(partition);
        if (existing != null) {
            return existing;
        }
        final PartitionLog log = PartitionLog.open(dataDir.resolve(partition), config, time, scheduler);
        logs.put(partition, log);
        return log;
    }

    /**
     * Closes a partition's log and forgets it; with {@code deleteFiles}, removes its directory too (the replica
     * was moved away).
     *
     * @param partition the partition's directory name
     * @param deleteFiles whether to delete the directory
     * @throws IOException on a close or delete error
     */
    public void remove(final String partition, final boolean deleteFiles) throws IOException {
        final PartitionLog log = logs.remove(partition);
        if (log != null) {
            log.close();
        }
        if (deleteFiles) {
            deleteTree(dataDir.resolve(partition));
        }
    }

    /**
     * Moves the directory of a partition whose log refused to open (damaged data the loader will not cut, files
     * it does not know) aside, to {@code <partition>.damaged-<epoch ms>}, so that the replica can start empty and
     * be rebuilt from its peers. Ferry deletes nothing of it: the operator inspects and removes it.
     *
     * @param partition the partition's directory name
     * @return where the directory went
     * @throws IOException on a move error
     */
    public Path setAside(final String partition) throws IOException {
        final Path aside = dataDir.resolve(partition + DAMAGED_SUFFIX + time.milliseconds());
        Files.move(dataDir.resolve(partition), aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    private static void deleteTree(final Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                for (final Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                    Files.delete(f);
                }
            }
        }
    }

    /** @return the open logs by partition name */
    public Map<String, PartitionLog> logs() {
        return Map.copyOf(logs);
    }


    /** Runs one round of retention, flush.ms and checkpoints over every log; also called by the scheduler. */
    public void runChecks() {
        for (final PartitionLog log : logs.values()) {
            try {
                if (log.isOffline() || log.isClosed()) {
                    continue;
                }
                log.deleteOldSegments(maxDeletableOffset.applyAsLong(log));
                log.maybeFlushByTime();
                log.checkpoint();
            } catch (final IOException | RuntimeException e) {
                LOG.warn("partition={} background check failed: {}", log.name(), e.toString());
            }
        }
    }

    /**
     * Closes every log cleanly and stops the scheduler.
     *
     * @throws IOException when a log could not be closed; the others are still closed
     */
    @Override
    public void close() throws IOException {
        scheduler.shutdown();
        IOException first = null;
        for (final PartitionLog log : logs.values()) {
            try {
                log.close();
            } catch (final IOException e) {
                first = first == null ? e : first;
            }
        }
        logs.clear();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (first != null) {
            throw first;
        }
    }
}
