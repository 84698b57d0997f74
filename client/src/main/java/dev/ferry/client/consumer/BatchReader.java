package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.InvalidBatchException;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordCursor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the record batches a Fetch returned for one partition into {@link ConsumerRecord}s: checks every batch
 * (CRC, header, records) before reading a record from it, and drops the records below the fetch offset that the
 * first batch may hold (batches are never split). A damaged batch is an error, never records.
 *
 * <p>Not thread-safe: one instance per thread.
 */
final class BatchReader {
    private final RecordBatch batch = new RecordBatch();
    private final RecordCursor cursor = new RecordCursor();

    /**
     * @param partition the partition the batches belong to (for messages)
     * @param records the batches, between position and limit
     * @param fetchOffset the offset the fetch asked for: earlier records are skipped
     * @return the records at or after fetchOffset, in order
     * @throws FerryException CORRUPT_BATCH naming the partition and offset when a batch fails validation
     */
    List<ConsumerRecord> read(final TopicPartition partition, final ByteBuffer records, final long fetchOffset) {
        final ByteBuffer buffer = records.slice().order(ByteOrder.BIG_ENDIAN);
        final List<ConsumerRecord> out = new ArrayList<>();
        int index = 0;
        while (index < buffer.limit()) {
            final long baseOffset = buffer.limit() - index >= Long.BYTES ? buffer.getLong(index) : -1;
            final int size;
            try {
                size = RecordBatch.sizeAt(buffer, index);
                batch.wrap(buffer, index).ensureValid(Integer.MAX_VALUE);
            } catch (final InvalidBatchException e) {
                throw new FerryException(ErrorCode.CORRUPT_BATCH, "CORRUPT_BATCH: fetched batch of partition="
                    + partition + " at offset=" + baseOffset + " (fetch offset " + fetchOffset + ") is invalid: "
                    + e.getMessage(), false, e);
            }
            if (batch.nextOffset() > fetchOffset) {
                readBatch(partition, fetchOffset, out);
            }
            index += size;
        }
        return out;
    }

    private void readBatch(final TopicPartition partition, final long fetchOffset, final List<ConsumerRecord> out) {
        final RecordCursor records = cursorFor(partition);
        while (records.next()) {
            if (records.offset() < fetchOffset) {
                continue;
            }
            List<Header> headers = List.of();
            if (records.headerCount() > 0) {
                headers = new ArrayList<>(records.headerCount());
                while (records.nextHeader()) {
                    headers.add(new Header(records.headerKey(), records.headerValue()));
                }
            }
            out.add(new ConsumerRecord(partition.topic(), partition.partition(), records.offset(),
                records.timestamp(), records.key(), records.value(), headers));
        }
    }

    // The cursor decompresses a compressed batch into a buffer it reuses; damaged compressed data is an error.
    private RecordCursor cursorFor(final TopicPartition partition) {
        try {
            return cursor.reset(batch);
        } catch (final InvalidBatchException e) {
            throw new FerryException(ErrorCode.CORRUPT_BATCH, "corrupt batch of partition=" + partition
                + " at offset=" + batch.baseOffset() + " compression=" + batch.compression() + ": " + e.getMessage(),
                false, e);
        }
    }
}
