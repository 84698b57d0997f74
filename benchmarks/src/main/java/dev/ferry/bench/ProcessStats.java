package dev.ferry.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the perf tools read about their own process and files: {@code /proc/self/io}, {@code /proc/self/status},
 * JMX buffer pools, directory sizes, free ports.
 *
 * <p>Thread-safe (stateless).
 */
final class ProcessStats {
    private ProcessStats() {
    }

    /**
     * @return {@code write_bytes} of {@code /proc/self/io}: bytes of pages this process dirtied (counted when a
     *         page becomes dirty, so a page rewritten while still dirty counts once) plus direct I/O; summed over
     *         every thread, so all replicas in this JVM together
     */
    static long ioWriteBytes() {
        return procField(Path.of("/proc/self/io"), "write_bytes:");
    }

    /**
     * The kernel's count of sectors written to the block device that holds {@code dir} (whole machine: every
     * process, the file system journal, writeback). Unlike {@code write_bytes}, it is what reached the device: on
     * kernels with large page-cache folios, {@code write_bytes} counts a whole folio (up to MiBs) each time a small
     * write dirties a clean one, while writeback only writes the dirty blocks.
     *
     * @param dir a directory on the device
     * @return bytes written to the device since boot, or -1 when /sys does not say
     */
    static long deviceWriteBytes(final Path dir) {
        try {
            final String device = Files.getFileStore(dir).name();
            final Path stat = Path.of("/sys/class/block", Path.of(device).getFileName().toString(), "stat");
            final String[] fields = Files.readString(stat, StandardCharsets.US_ASCII).trim().split("\\s+");
            return Long.parseLong(fields[6]) * 512;
        } catch (final IOException | RuntimeException e) {
            return -1;
        }
    }

    /** @return the resident set size from {@code VmRSS} of {@code /proc/self/status}, in bytes */
    static long rssBytes() {
        return procField(Path.of("/proc/self/status"), "VmRSS:") * 1024;
    }

    private static long procField(final Path file, final String key) {
        try {
            for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + key + " in " + file);
    }

    /** @return bytes held by the JDK's direct buffers (ByteBuffer.allocateDirect), from the "direct" pool */
    static long jdkDirectBytes() {
        return bufferPool("direct");
    }

    /** @return bytes of file regions mapped by the JDK (the core-log indexes), from the "mapped" pool */
    static long jdkMappedBytes() {
        return bufferPool("mapped");
    }

    private static long bufferPool(final String name) {
        final List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
        return pools.stream().filter(p -> name.equals(p.getName())).mapToLong(BufferPoolMXBean::getMemoryUsed)
            .sum();
    }

    /**
     * Ratis's shaded Netty allocates its pooled direct memory without a JDK Cleaner, so the JDK "direct" pool does
     * not see it; Netty keeps its own counter. Read by reflection: the class is a shaded, internal one.
     *
     * @return bytes of direct memory held by the shaded Netty, or -1 when it cannot be read
     */
    static long nettyDirectBytes() {
        try {
            return (long) Class.forName("org.apache.ratis.thirdparty.io.netty.util.internal.PlatformDependent")
                .getMethod("usedDirectMemory").invoke(null);
        } catch (final ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * @param dir a directory
     * @return the sum of the apparent sizes of its regular files (0 when it does not exist)
     */
    static long dirSize(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (final IOException e) {
                    // A file removed while walking (a rolled Raft segment) no longer takes space.
                    return 0;
                }
            }).sum();
        }
    }

    /** Deletes a directory tree; a perf tool's temporary data would fill the disk run after run. */
    static void deleteTree(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Writes back every dirty page of the machine, so a phase starts from, and ends at, a clean page cache. */
    static void sync() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    /**
     * Distinct TCP ports free now (another process could take one before it is bound again). Every probe socket
     * stays open until all are picked, so the kernel cannot hand the same port out twice; Ratis exits the JVM
     * when its gRPC server cannot bind.
     *
     * @param count how many ports
     * @return the ports
     * @throws IOException when no port can be opened
     */
    static int[] freePorts(final int count) throws IOException {
        final ServerSocket[] probes = new ServerSocket[count];
        final int[] ports = new int[count];
        try {
            for (int i = 0; i < count; i++) {
                probes[i] = new ServerSocket(0);
                ports[i] = probes[i].getLocalPort();
            }
        } finally {
            for (final ServerSocket probe : probes) {
                if (probe != null) {
                    probe.close();
                }
            }
        }
        return ports;
    }

    /**
     * @param bytes a size
     * @return it in GiB, MiB or KiB
     */
    static String human(final long bytes) {
        if (bytes >= 1L << 30) {
            return String.format("%.2f GiB", bytes / (double) (1L << 30));
        }
        return bytes >= 1L << 20 ? String.format("%.1f MiB", bytes / (double) (1 << 20))
            : String.format("%.1f KiB", bytes / 1024.0);
    }

    /** Quiets the per-group INFO lines of Ratis and Ferry, unless the caller chose a level with -D. */
    static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }
}
