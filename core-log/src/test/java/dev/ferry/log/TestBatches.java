package dev.ferry.log;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches and reads slices back for log tests; shared through the test-jar. Thread-safe (stateless). */
public final class TestBatches {
    private TestBatches() {
    }

    /**
     * @param records number of records
     * @param valueBytes size of each value
     * @param timestampMs timestamp of every record
     * @return one batch whose values are "v{i}" padded with 'x' to valueBytes
     */
    public static ByteBuffer batch(final int records, final int valueBytes, final long timestampMs) {
        final ByteBuffer buffer = ByteBuffer.allocate(records * (valueBytes + 64) + 256);
        final RecordBatchBuilder builder = new RecordBatchBuilder(buffer);
        for (int i = 0; i < records; i++) {
            builder.append(timestampMs + i, ("k" + i).getBytes(StandardCharsets.UTF_8), value(i, valueBytes));
        }
        return builder.build();
    }

    /**
     * @param batches batches to concatenate
     * @return one buffer holding all of them, position 0
     */
    public static ByteBuffer concat(final ByteBuffer... batches) {
        int size = 0;
        for (final ByteBuffer b : batches) {
            size += b.remaining();
        }
        final ByteBuffer all = ByteBuffer.allocate(size);
        for (final ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    private static byte[] value(final int i, final int size) {
        final byte[] v = new byte[size];
        final byte[] prefix = ("v" + i).getBytes(StandardCharsets.UTF_8);
        java.util.Arrays.fill(v, (byte) 'x');
        System.arraycopy(prefix, 0, v, 0, Math.min(prefix.length, size));
        return v;
    }

    /**
     * @param bytes whole batches, e.g. a fetch response's records
     * @return the offsets of their records, each batch CRC-checked
     */
    public static List<Long> offsetsIn(final byte[] bytes) {
        final ByteBuffer all = ByteBuffer.wrap(bytes);
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        final List<Long> offsets = new ArrayList<>();
        for (int pos = 0; pos < all.limit(); pos += batch.sizeInBytes()) {
            batch.wrap(all, pos).ensureValid(Integer.MAX_VALUE);
            cursor.reset(batch);
            while (cursor.next()) {
                offsets.add(cursor.offset());
            }
        }
        return offsets;
    }

    /**
     * Reads a slice's bytes and checks every batch.
     *
     * @param slice a slice
     * @return the offsets of every record in it, in order
     * @throws IOException on a read error
     */
    public static List<Long> offsetsIn(final LogReadSlice slice) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(buf);
        buf.flip();
        final List<Long> offsets = new ArrayList<>();
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        for (int pos = 0; pos < buf.limit(); pos += batch.sizeInBytes()) {
            batch.wrap(buf, pos).ensureValid(Integer.MAX_VALUE);
            cursor.reset(batch);
            while (cursor.next()) {
                offsets.add(cursor.offset());
            }
        }
        return offsets;
    }

    /**
     * Reads every record from {@code from} to the log end.
     *
     * @param log the log
     * @param from first offset
     * @return offsets of all records read, each validated
     * @throws IOException on a read error
     */
    public static List<Long> readAll(final PartitionLog log, final long from) throws IOException {
        final List<Long> offsets = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            final LogReadSlice slice = log.read(next, 1 << 20, log.logEndOffset());
            if (slice.isEmpty()) {
                break;
            }
            for (final long o : offsetsIn(slice)) {
                if (o >= next) {
                    offsets.add(o);
                }
            }
            next = slice.nextOffset();
        }
        return offsets;
    }
}
