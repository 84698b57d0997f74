package dev.ferry.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Disk usage: total, free and used bytes of the file store holding the data directory, and the bytes under
 * each registered log directory. Values are read when a scrape asks: a {@code statvfs} per file-store gauge and
 * one directory walk per log directory. Thread-safe.
 */
final class DiskMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(DiskMetrics.class);

    private final MeterRegistry registry;

    DiskMetrics(final MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * @param dataDir the node's data directory (created if missing, so its file store can be found)
     * @throws UncheckedIOException when the directory cannot be created or its file store found
     */
    void addFileStore(final Path dataDir) {
        final FileStore store;
        try {
            store = Files.getFileStore(Files.createDirectories(dataDir));
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot find the file store of data dir=" + dataDir, e);
        }
        final String path = dataDir.toAbsolutePath().toString();
        storeGauge(store, path, "ferry.disk.total", "size of the file store holding the data directory",
            FileStore::getTotalSpace);
        storeGauge(store, path, "ferry.disk.free", "bytes of that file store usable by this process",
            FileStore::getUsableSpace);
        storeGauge(store, path, "ferry.disk.used", "bytes of that file store in use (total minus unallocated)",
            s -> s.getTotalSpace() - s.getUnallocatedSpace());
    }

    /**
     * @param logDir a directory of partition logs; its size is the sum of the regular files below it
     */
    void addLogDir(final Path logDir) {
        final String path = logDir.toAbsolutePath().toString();
        Gauge.builder("ferry.log.dir.size", logDir, DiskMetrics::sizeOf).baseUnit("bytes")
            .description("bytes of the files under a log directory").tag("path", path).strongReference(true)
            .register(registry);
    }

    private void storeGauge(final FileStore store, final String path, final String name, final String doc,
                            final StoreReader f) {
        Gauge.builder(name, store, s -> {
            try {
                return f.read(s);
            } catch (final IOException | RuntimeException e) {
                return Double.NaN;
            }
        }).baseUnit("bytes").description(doc).tag("path", path).strongReference(true).register(registry);
    }

    private static double sizeOf(final Path dir) {
        final long[] total = new long[1];
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) {
                    total[0] += attrs.isRegularFile() ? attrs.size() : 0;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(final Path file, final IOException e) {
                    // Segments are deleted by retention while we walk: a vanished file counts as 0 bytes.
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (final NoSuchFileException e) {
            return 0;
        } catch (final IOException e) {
            LOG.warn("cannot measure log dir={}: {}", dir, e.toString());
            return Double.NaN;
        }
        return total[0];
    }

    /** Reads one figure of a file store. */
    @FunctionalInterface
    private interface StoreReader {
        long read(FileStore store) throws IOException;
    }
}
