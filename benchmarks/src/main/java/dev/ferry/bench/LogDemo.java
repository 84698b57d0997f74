package dev.ferry.bench;

import dev.ferry.log.LogConfig;
import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.Time;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

/**
 * The storage demo (`log-demo`): appends a million records to a partition log in a
 * temporary directory, reads every one back (checking CRCs and offsets), and prints throughput.
 *
 * <p>Not thread-safe (a main).
 */
final class LogDemo {
    private static final int RECORDS = 1_000_000;
    private static final int RECORDS_PER_BATCH = 500;
    private static final int VALUE_BYTES = 100;

    private LogDemo() {
    }

    static void main(final String[] args) throws Exception {
        final Args options = new Args(args);
        final Path dir = Files.createTempDirectory(Path.of(options.string("dir", System.getProperty("java.io.tmpdir"))),
            "ferry-demo-");
        final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (PartitionLog log = PartitionLog.open(dir.resolve("demo-0"), LogConfig.from(
            Map.of(LogConfig.SEGMENT_BYTES, 64L << 20)), Time.SYSTEM, scheduler)) {
            System.out.printf("Ferry core-log demo: %,d records of %d bytes in batches of %d, into %s%n", RECORDS,
                VALUE_BYTES, RECORDS_PER_BATCH, log.dir());
            final long appendNs = append(log);
            final long[] readResult = readBack(log);
            final double appendSec = appendNs / 1e9;
            final double readSec = readResult[1] / 1e9;
            final double mb = log.sizeInBytes() / 1e6;
            System.out.printf("appended %,d records (%.1f MB, %d segments) in %.3f s: %,.0f records/s, %.1f MB/s%n",
                RECORDS, mb, log.segmentCount(), appendSec, RECORDS / appendSec, mb / appendSec);
            System.out.printf("read back %,d records, every CRC and offset checked, in %.3f s: %,.0f records/s, "
                + "%.1f MB/s%n", readResult[0], readSec, readResult[0] / readSec, mb / readSec);
            if (readResult[0] != RECORDS) {
                throw new IllegalStateException("read " + readResult[0] + " records, expected " + RECORDS);
            }
        } finally {
            scheduler.shutdownNow();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long append(final PartitionLog log) {
        final ByteBuffer buffer = ByteBuffer.allocate(RECORDS_PER_BATCH * (VALUE_BYTES + 32) + 128);
        final byte[] value = new byte[VALUE_BYTES];
        final long start = System.nanoTime();
        for (int i = 0; i < RECORDS; i += RECORDS_PER_BATCH) {
            buffer.clear();
            final RecordBatchBuilder builder = new RecordBatchBuilder(buffer);
            final long now = System.currentTimeMillis();
            for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                final byte[] key = ("key-" + (i + r)).getBytes(StandardCharsets.UTF_8);
                builder.append(now, key, value);
            }
            log.append(builder.build());
        }
        return System.nanoTime() - start;
    }

    private static long[] readBack(final PartitionLog log) throws Exception {
        final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        long offset = log.logStartOffset();
        long records = 0;
        final long start = System.nanoTime();
        while (offset < log.logEndOffset()) {
            final LogReadSlice slice = log.read(offset, buffer.capacity(), log.logEndOffset());
            buffer.clear();
            slice.readInto(buffer);
            buffer.flip();
            for (int pos = 0; pos < buffer.limit(); pos += batch.sizeInBytes()) {
                batch.wrap(buffer, pos).ensureValid(Integer.MAX_VALUE);
                cursor.reset(batch);
                while (cursor.next()) {
                    if (cursor.offset() != offset) {
                        throw new IllegalStateException("expected offset " + offset + ", read " + cursor.offset());
                    }
                    offset++;
                    records++;
                }
            }
        }
        return new long[] {records, System.nanoTime() - start};
    }
}
