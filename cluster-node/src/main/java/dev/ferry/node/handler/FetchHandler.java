package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.fetch.FetchPurgatory;
import dev.ferry.node.metrics.TrafficRecorder;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Serves FETCH from any replica here, followers included, each up to its own high watermark (Raft commits on a
 * majority, so a follower's high watermark is committed data too). Records are not read: the response carries
 * {@link LogReadSlice}s of the segment files that the network layer sends with sendfile.
 *
 * <p>Byte limits work as Kafka's: {@code max_bytes} for the whole response and {@code partition_max_bytes} per
 * partition, except that the first partition with data always returns at least one whole batch; later
 * partitions return a batch larger than their {@code partition_max_bytes} only when it fits what is left of
 * {@code max_bytes}. 0 means the default (50 MiB, 1 MiB).
 *
 * <p>Long poll: with fewer than {@code min_bytes} found and {@code max_wait_ms > 0}, the request waits in the
 * {@link FetchPurgatory} and is read again when a high watermark of one of its partitions moves, or answered
 * with what there is when the wait runs out. Any partition error answers at once.
 *
 * <p>The reads run on the calling thread: they are lock-free lookups in the memory-mapped indexes and at most a
 * batch header read from the page cache; no record byte is read. Thread-safe.
 */
public final class FetchHandler implements ApiHandler {
    /** Response limit when the request's max_bytes is 0 (Kafka's fetch.max.bytes default). */
    public static final int DEFAULT_MAX_BYTES = 50 << 20;
    /** Partition limit when partition_max_bytes is 0 (Kafka's max.partition.fetch.bytes default). */
    public static final int DEFAULT_PARTITION_MAX_BYTES = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(FetchHandler.class);

    private final int nodeId;
    private final RaftServerHost host;
    private final ClusterView view;
    private final FetchPurgatory purgatory;
    private final TrafficRecorder traffic;

    /**
     * @param nodeId this node's id
     * @param host the node's Raft host, holding the partition replicas
     * @param view the cluster as this node knows it
     * @param purgatory where long polls wait; must be registered with {@code host.addListener}
     * @param traffic counts bytes and records out
     */
    public FetchHandler(final int nodeId, final RaftServerHost host, final ClusterView view,
                        final FetchPurgatory purgatory, final TrafficRecorder traffic) {
        this.nodeId = nodeId;
        this.host = host;
        this.view = view;
        this.purgatory = purgatory;
        this.traffic = traffic;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final FetchRequest body;
        try {
            body = request.body(FetchRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST,
                "fetch: " + e.getMessage()));
        }
        final String invalid = validate(body);
        if (invalid != null) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.INVALID_REQUEST, "fetch: " + invalid));
        }
        final CompletableFuture<Response> out = new CompletableFuture<>();
        final Read first = read(body);
        if (body.getMaxWaitMs() == 0 || first.satisfies(body.getMinBytes())) {
            answer(out, first);
            return out;
        }
        purgatory.park(first.partitions, body.getMaxWaitMs(), new FetchPurgatory.Waiter() {
            @Override
            public boolean tryComplete() {
                final Read again = read(body);
                if (again.satisfies(body.getMinBytes())) {
                    answer(out, again);
                    return true;
                }
                return out.isDone();
            }

            @Override
            public void expire() {
                try {
                    answer(out, read(body));
                } catch (final RuntimeException e) {
                    out.completeExceptionally(e);
                }
            }
        });
        return out;
    }

    private static String validate(final FetchRequest body) {
        if (body.getMaxWaitMs() < 0 || body.getMinBytes() < 0 || body.getMaxBytes() < 0) {
            return "negative limit: max_wait_ms=" + body.getMaxWaitMs() + " min_bytes=" + body.getMinBytes()
                + " max_bytes=" + body.getMaxBytes();
        }
        for (final FetchPartition p : body.getPartitionsList()) {
            if (p.getPartitionMaxBytes() < 0) {
                return "negative partition_max_bytes=" + p.getPartitionMaxBytes() + " topic=" + p.getTopic()
                    + " partition=" + p.getPartition();
            }
        }
        return null;
    }

    /**
     * One pass over the request's partitions.
     *
     * @param body the response body
     * @param slices the non-empty slices, in body order
     * @param bytes record bytes in the slices
     * @param anyError whether a partition has an error (answered at once, as Kafka)
     * @param partitions the partitions served here, to park on
     */
    private record Read(FetchResponse body, List<LogReadSlice> slices, long bytes, boolean anyError,
                        List<PartitionId> partitions) {
        boolean satisfies(final int minBytes) {
            return anyError || bytes >= minBytes;
        }
    }

    private Read read(final FetchRequest body) {
        final FetchResponse.Builder out = FetchResponse.newBuilder();
        final List<LogReadSlice> slices = new ArrayList<>();
        final List<PartitionId> served = new ArrayList<>();
        long remaining = body.getMaxBytes() == 0 ? DEFAULT_MAX_BYTES : body.getMaxBytes();
        long bytes = 0;
        boolean anyError = false;
        for (final FetchPartition p : body.getPartitionsList()) {
            final FetchPartitionResult.Builder r = FetchPartitionResult.newBuilder().setTopic(p.getTopic())
                .setPartition(p.getPartition()).setHighWatermark(-1).setLogStartOffset(-1).setNextOffset(-1);
            final PartitionErrors.Lookup where = PartitionErrors.locate(nodeId, host, view, p.getTopic(),
                p.getPartition(), false);
            if (where.failure() != null) {
                out.addResults(fail(r, where.failure()));
                anyError = true;
                continue;
            }
            served.add(where.partition());
            final LogReadSlice slice = readPartition(p, where.replica(), r, bytes == 0, remaining);
            if (r.getError() != ErrorCode.NONE) {
                anyError = true;
            } else if (!slice.isEmpty()) {
                slices.add(slice);
                bytes += slice.sizeInBytes();
                remaining -= slice.sizeInBytes();
                r.setRecordsBytes(slice.sizeInBytes()).setNextOffset(slice.nextOffset());
            }
            out.addResults(r.build());
        }
        return new Read(out.build(), slices, bytes, anyError, served);
    }

    /** Reads one partition into {@code r}; returns the slice to send (empty on an error or nothing to send). */
    private LogReadSlice readPartition(final FetchPartition p, final PartitionStateMachine replica,
                                       final FetchPartitionResult.Builder r, final boolean firstWithData,
                                       final long remaining) {
        final PartitionId id = replica.partition();
        if (!replica.isHealthy()) {
            fail(r, new PartitionErrors.Failure(ErrorCode.STORAGE_ERROR, "replica out of service after a storage "
                + "failure: partition=" + id + " node=" + nodeId, null));
            return LogReadSlice.EMPTY;
        }
        final long highWatermark = replica.highWatermarkForReads();
        if (highWatermark < 0) {
            fail(r, new PartitionErrors.Failure(ErrorCode.LEADER_NOT_AVAILABLE, "new leader not ready to serve "
                + "reads yet: partition=" + id + " node=" + nodeId, null));
            return LogReadSlice.EMPTY;
        }
        final PartitionLog log = replica.log();
        r.setHighWatermark(highWatermark).setLogStartOffset(log.logStartOffset());
        if (!firstWithData && remaining <= 0) {
            return LogReadSlice.EMPTY;
        }
        final long bound = p.hasMaxOffset() ? Math.min(highWatermark, p.getMaxOffset()) : highWatermark;
        final int partitionMax = p.getPartitionMaxBytes() == 0 ? DEFAULT_PARTITION_MAX_BYTES
            : p.getPartitionMaxBytes();
        try {
            final LogReadSlice slice = log.read(p.getFetchOffset(), (int) Math.min(partitionMax, remaining), bound);
            // The log returns at least one whole batch; only the first partition with data may exceed max_bytes.
            return !firstWithData && slice.sizeInBytes() > remaining ? LogReadSlice.EMPTY : slice;
        } catch (final RuntimeException e) {
            PartitionErrors.Failure f = PartitionErrors.fromException(nodeId, view, id, replica, e);
            if (f.code() == ErrorCode.OFFSET_OUT_OF_RANGE && !(replica.isLeader() && replica.isLeaderReady())) {
                // A consumer resets its position on OFFSET_OUT_OF_RANGE: a follower behind it (or a former leader
                // back from a restart) must not make it start over from the beginning.
                f = new PartitionErrors.Failure(ErrorCode.OFFSET_NOT_AVAILABLE, f.message() + "; this replica is not "
                    + "the partition's leader, which alone answers out of range: fetch from it or retry",
                    PartitionErrors.redirect(nodeId, view, id, -1));
            }
            if (f.code() != ErrorCode.OFFSET_OUT_OF_RANGE && f.code() != ErrorCode.OFFSET_NOT_AVAILABLE) {
                LOG.warn("partition={} node={} fetch at offset={} failed: {}", id, nodeId, p.getFetchOffset(),
                    f.message());
            }
            fail(r, f);
            r.setLogStartOffset(log.logStartOffset());
            return LogReadSlice.EMPTY;
        }
    }

    private static FetchPartitionResult fail(final FetchPartitionResult.Builder r,
                                             final PartitionErrors.Failure f) {
        r.setError(f.code()).setErrorMessage(f.message());
        if (f.redirect() != null) {
            r.setLeader(f.redirect());
        }
        return r.build();
    }

    private void answer(final CompletableFuture<Response> out, final Read read) {
        if (!out.complete(Response.withSlices(read.body, read.slices))) {
            return;
        }
        int s = 0;
        for (final FetchPartitionResult r : read.body.getResultsList()) {
            if (r.getRecordsBytes() > 0) {
                final LogReadSlice slice = read.slices.get(s++);
                traffic.fetched(r.getTopic(), slice.sizeInBytes(), slice.nextOffset() - slice.firstBatchBaseOffset());
            }
        }
    }
}
