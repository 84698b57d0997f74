package dev.ferry.chaos.workload;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.ListOffsetsPartition;
import dev.ferry.client.protocol.proto.ListOffsetsPartitionResult;
import dev.ferry.client.protocol.proto.ListOffsetsRequest;
import dev.ferry.client.protocol.proto.ListOffsetsResponse;
import dev.ferry.log.record.InvalidBatchException;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordCursor;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads one node's replicas with raw Fetch requests sent to that node alone: its own client knows only that
 * node's address and never learns the metadata, so nothing picks another replica or follows a redirect (and the
 * node's advertised address need not be reachable: a container's port mapped to the host works). Each batch is
 * CRC-checked and its raw bytes hashed; records can be handed to a sink on the way.
 *
 * <p>Not thread-safe: one caller at a time. Closing releases its connection and thread.
 */
final class ReplicaReader implements AutoCloseable {
    /** Long-poll wait of each fetch: a lagging replica answers as soon as its high watermark moves. */
    private static final int MAX_WAIT_MS = 500;
    private static final int PARTITION_MAX_BYTES = 1 << 20;
    private static final long BACK_OFF_NS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Told every record of the batches read. */
    interface RecordSink {
        /**
         * @param partition the partition
         * @param offset the record's offset
         * @param value its value bytes
         */
        void accept(TopicPartition partition, long offset, byte[] value);
    }

    private final int nodeId;
    private final NetworkClient client;
    private final int requestTimeoutMs;
    private final RecordBatch batch = new RecordBatch();
    private final RecordCursor cursor = new RecordCursor();

    /**
     * @param nodeId the node's id
     * @param address its host:port as reachable from here
     * @param requestTimeoutMs how long one request may take
     */
    ReplicaReader(final int nodeId, final String address, final int requestTimeoutMs) {
        this.nodeId = nodeId;
        this.requestTimeoutMs = requestTimeoutMs;
        this.client = new NetworkClient(List.of(address),
            ConnectionConfig.defaults(ChaosWorkload.CLIENT_PREFIX + "final-node-" + nodeId), 1);
    }

    /**
     * Asks this node, as leader, for the partition's high watermark (ListOffsets latest).
     *
     * @param tp the partition
     * @return the high watermark
     * @throws IllegalStateException naming the error when the node does not answer it (not the leader, down)
     */
    long highWatermark(final TopicPartition tp) {
        final ListOffsetsRequest request = ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition
            .newBuilder().setTopic(tp.topic()).setPartition(tp.partition()).setTimestamp(-1)).build();
        try (ClientResponse r = client.sendToAny(ApiKey.LIST_OFFSETS, request, requestTimeoutMs)
            .get(requestTimeoutMs + 1_000L, TimeUnit.MILLISECONDS)) {
            final ListOffsetsPartitionResult result = r.body(ListOffsetsResponse.parser()).getResults(0);
            if (result.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("ListOffsets " + tp + " node=" + nodeId + ": " + result.getError()
                    + " " + result.getErrorMessage());
            }
            return result.getOffset();
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("ListOffsets " + tp + " node=" + nodeId + ": " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Asks this replica for its own high watermark with one fetch that does not wait: for when no leader answers.
     *
     * @param tp the partition
     * @return the replica's high watermark, or -1 when it does not answer
     */
    long replicaHighWatermark(final TopicPartition tp) {
        final Fetched fetched = fetch(tp, 0, Long.MAX_VALUE, 0);
        return fetched.problem() == null || fetched.error() == ErrorCode.OFFSET_OUT_OF_RANGE
            ? fetched.highWatermark() : -1;
    }

    /**
     * Reads the replica from offset 0 (or its log start) up to {@code highWatermark}. A fetch that brings nothing
     * (the replica lags, or the node is down) is tried again until the deadline; as long as batches arrive, the
     * read goes on past it.
     *
     * @param tp the partition
     * @param highWatermark where to stop: batches at or above it are not read
     * @param deadlineNs System.nanoTime() after which a fetch that brings nothing ends the read
     * @param sink told every record read, or null
     * @return what was read
     */
    ReplicaCopy read(final TopicPartition tp, final long highWatermark, final long deadlineNs, final RecordSink sink) {
        final MessageDigest sha = sha256();
        long start = 0;
        long next = 0;
        long batches = 0;
        long records = 0;
        String problem = null;
        while (next < highWatermark && !Thread.currentThread().isInterrupted()) {
            final Fetched fetched = fetch(tp, next, highWatermark, MAX_WAIT_MS);
            if (fetched.error() == ErrorCode.OFFSET_OUT_OF_RANGE && batches == 0 && fetched.logStart() > next) {
                start = fetched.logStart();
                next = start;
                continue;
            }
            if (fetched.bytes() == null) {
                problem = fetched.problem() != null ? fetched.problem() : "high watermark " + fetched.highWatermark()
                    + " below " + highWatermark;
                if (System.nanoTime() - deadlineNs >= 0) {
                    break;
                }
                if (fetched.problem() != null) {
                    LockSupport.parkNanos(BACK_OFF_NS);
                }
                continue;
            }
            problem = null;
            final ByteBuffer buffer = fetched.bytes();
            int index = 0;
            while (index < buffer.limit() && next < highWatermark) {
                try {
                    final int size = RecordBatch.sizeAt(buffer, index);
                    batch.wrap(buffer, index).ensureValid(Integer.MAX_VALUE);
                    if (batch.nextOffset() > next) {
                        sha.update(buffer.duplicate().position(index).limit(index + size));
                        records += sink != null ? emit(tp, sink) : batch.recordCount();
                        batches++;
                        next = batch.nextOffset();
                    }
                    index += size;
                } catch (final InvalidBatchException e) {
                    problem = "invalid batch at offset " + next + ": " + e.getMessage();
                    break;
                }
            }
            if (problem != null) {
                break;
            }
        }
        final boolean complete = next >= highWatermark && problem == null;
        return new ReplicaCopy(nodeId, start, next, HexFormat.of().formatHex(sha.digest()), batches, records,
            complete, complete ? null : problem);
    }

    private long emit(final TopicPartition tp, final RecordSink sink) {
        long n = 0;
        final RecordCursor records = cursor.reset(batch);
        while (records.next()) {
            sink.accept(tp, records.offset(), records.value());
            n++;
        }
        return n;
    }

    /** One fetch's result: the records' bytes (null when none came), or the error. */
    private record Fetched(ByteBuffer bytes, ErrorCode error, String problem, long highWatermark, long logStart) {
    }

    private Fetched fetch(final TopicPartition tp, final long offset, final long highWatermark, final int maxWaitMs) {
        final FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(maxWaitMs).setMinBytes(1)
            .addPartitions(FetchPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                .setFetchOffset(offset).setPartitionMaxBytes(PARTITION_MAX_BYTES).setMaxOffset(highWatermark))
            .build();
        try (ClientResponse r = client.sendToAny(ApiKey.FETCH, request, requestTimeoutMs)
            .get(requestTimeoutMs + 1_000L, TimeUnit.MILLISECONDS)) {
            final FetchPartitionResult result = r.body(FetchResponse.parser()).getResults(0);
            if (result.getError() != ErrorCode.NONE) {
                return new Fetched(null, result.getError(), "fetch at offset " + offset + ": " + result.getError()
                    + " " + result.getErrorMessage(), result.getHighWatermark(), result.getLogStartOffset());
            }
            if (result.getRecordsBytes() == 0) {
                return new Fetched(null, ErrorCode.NONE, null, result.getHighWatermark(), result.getLogStartOffset());
            }
            final ByteBuf records = r.records();
            final byte[] bytes = new byte[Math.min(result.getRecordsBytes(), records.readableBytes())];
            records.getBytes(records.readerIndex(), bytes);
            return new Fetched(ByteBuffer.wrap(bytes), ErrorCode.NONE, null, result.getHighWatermark(),
                result.getLogStartOffset());
        } catch (final ExecutionException | TimeoutException | RuntimeException e) {
            final Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return new Fetched(null, null, "fetch at offset " + offset + ": " + cause, -1, -1);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Fetched(null, null, "interrupted", -1, -1);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
