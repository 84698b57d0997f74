package dev.ferry.bench;

import dev.ferry.log.LogConfig;
import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.Time;
import dev.ferry.log.record.RecordBatchBuilder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * core-log's storage benchmark (a perf tool, not a test): in one run it measures
 * <ol>
 *   <li>the directory's sequential write bandwidth with {@code dd bs=1M} into the page cache (no fsync), the
 *       baseline;</li>
 *   <li>appends of 64 KiB batches of 1 KiB records to a {@link PartitionLog} (CRC-validated, offsets stamped,
 *       indexed), the same number of bytes;</li>
 *   <li>a zero-copy read of the whole log with {@code transferTo} to a socket on 127.0.0.1, drained by a
 *       reader thread;</li>
 * </ol>
 * and prints MB/s for each and the append/dd ratio.
 *
 * <p>Not thread-safe (a main).
 */
final class LogPerf {
    private LogPerf() {
    }

    static void main(final String[] args) throws Exception {
        final Args options = new Args(args);
        final long totalBytes = options.bytes("bytes", 2L << 30);
        final int recordBytes = (int) options.bytes("record-size", 1024);
        final int batchBytes = (int) options.bytes("batch-size", 64 << 10);
        final int readBytes = (int) options.bytes("read-size", 1 << 20);
        final Path base = Path.of(options.string("dir", "benchmarks/target/log-perf"));
        Files.createDirectories(base);
        final Path dir = Files.createTempDirectory(base, "run-");
        System.out.printf("log-perf: %s of %d-byte records in %d-byte batches, dir=%s, %d cores, java %s%n",
            human(totalBytes), recordBytes, batchBytes, dir.toAbsolutePath(), Runtime.getRuntime()
                .availableProcessors(), System.getProperty("java.version"));
        try {
            final double ddMbs = dd(dir, totalBytes);
            final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            try (PartitionLog log = PartitionLog.open(dir.resolve("perf-0"), LogConfig.DEFAULTS, Time.SYSTEM,
                scheduler)) {
                final double appendMbs = append(log, totalBytes, recordBytes, batchBytes);
                final double readMbs = readToSocket(log, readBytes);
                System.out.println();
                System.out.println("| measure | MB/s | ratio |");
                System.out.println("|---|---|---|");
                System.out.printf("| dd bs=1M to page cache (baseline) | %.0f | 1.00 |%n", ddMbs);
                System.out.printf("| PartitionLog.append, %d B records in %d KiB batches | %.0f | %.2f x dd |%n",
                    recordBytes, batchBytes >> 10, appendMbs, appendMbs / ddMbs);
                System.out.printf("| zero-copy read (transferTo), %d KiB slices, to 127.0.0.1 | %.0f | %.2f GB/s |%n",
                    readBytes >> 10, readMbs, readMbs / 1000);
            } finally {
                scheduler.shutdownNow();
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Writes back dirty pages left by earlier phases, so each phase starts from the same page-cache state. */
    private static void sync() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    private static double dd(final Path dir, final long totalBytes) throws IOException, InterruptedException {
        sync();
        final Path target = dir.resolve("dd.bin");
        final long count = Math.max(1, totalBytes >> 20);
        final ProcessBuilder pb = new ProcessBuilder("dd", "if=/dev/zero", "of=" + target, "bs=1M",
            "count=" + count).redirectErrorStream(true);
        final long start = System.nanoTime();
        final Process p = pb.start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException("dd failed: " + out);
        }
        final double sec = (System.nanoTime() - start) / 1e9;
        Files.delete(target);
        sync();
        final double mbs = count * (double) (1 << 20) / 1e6 / sec;
        System.out.printf("dd: %s in %.2f s = %.0f MB/s   (dd says: %s)%n", human(count << 20), sec, mbs,
            out.substring(out.lastIndexOf('\n') + 1));
        return mbs;
    }

    private static double append(final PartitionLog log, final long totalBytes, final int recordBytes,
                                 final int batchBytes) {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(batchBytes);
        final byte[] value = new byte[recordBytes];
        new Random(42).nextBytes(value);
        long appended = 0;
        final long start = System.nanoTime();
        long lastReport = start;
        while (appended < totalBytes) {
            buffer.clear();
            final RecordBatchBuilder builder = new RecordBatchBuilder(buffer);
            final long now = System.currentTimeMillis();
            while (builder.hasRoomFor(now, null, value)) {
                builder.append(now, null, value);
            }
            appended += log.append(builder.build()).sizeInBytes();
            final long t = System.nanoTime();
            if (t - lastReport > 2_000_000_000L) {
                System.out.printf("  append: %s so far, %.0f MB/s%n", human(appended),
                    appended / 1e6 / ((t - start) / 1e9));
                lastReport = t;
            }
        }
        final double sec = (System.nanoTime() - start) / 1e9;
        final double mbs = appended / 1e6 / sec;
        System.out.printf("append: %s, %,d records in %d segments, %.2f s = %.0f MB/s%n", human(appended),
            log.logEndOffset(), log.segmentCount(), sec, mbs);
        return mbs;
    }

    private static double readToSocket(final PartitionLog log, final int readBytes) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            final AtomicLong received = new AtomicLong();
            final Thread drain = new Thread(() -> {
                try (SocketChannel in = server.accept()) {
                    final ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
                    long n;
                    while ((n = in.read(sink)) >= 0) {
                        received.addAndGet(n);
                        sink.clear();
                    }
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            }, "log-perf-drain");
            drain.start();
            long sent = 0;
            final long start;
            try (SocketChannel out = SocketChannel.open(server.getLocalAddress())) {
                start = System.nanoTime();
                long offset = log.logStartOffset();
                final long end = log.logEndOffset();
                while (offset < end) {
                    final LogReadSlice slice = log.read(offset, readBytes, end);
                    sent += slice.writeTo(out);
                    offset = slice.nextOffset();
                }
            }
            drain.join();
            final double sec = (System.nanoTime() - start) / 1e9;
            if (received.get() != sent || sent != log.sizeInBytes()) {
                throw new IllegalStateException("sent=" + sent + " received=" + received + " logSize="
                    + log.sizeInBytes());
            }
            final double mbs = sent / 1e6 / sec;
            System.out.printf("zero-copy read: %s to 127.0.0.1 in %.2f s = %.0f MB/s%n", human(sent), sec, mbs);
            return mbs;
        }
    }

    private static String human(final long bytes) {
        return bytes >= 1L << 30 ? String.format("%.2f GiB", bytes / (double) (1L << 30))
            : String.format("%.1f MiB", bytes / (double) (1 << 20));
    }
}
