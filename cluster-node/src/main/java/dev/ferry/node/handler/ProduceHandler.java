package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.metrics.TrafficRecorder;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.Acks;
import dev.ferry.replication.AppendResult;
import dev.ferry.replication.NotLeaderException;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Serves PRODUCE: hands each partition's batches to its Raft group through {@link RaftServerHost#append} and
 * answers per partition, in request order.
 *
 * <p>The records part of the frame holds each partition's {@code records_bytes} in order. Each partition's
 * bytes are copied once into a buffer of their own before they go to Raft: Ratis keeps a leader's entries,
 * data included, in its log cache for as long as a follower may still need them, which can be long after the
 * request is answered and its pooled network buffer reused (a follower catching up would then be sent other
 * bytes). The copy is per request, not per record; the follower and fetch paths copy nothing.
 *
 * <p>acks=0 is answered at once (only validation errors found on the spot are reported) so that responses on a
 * connection stay in request order; clients that sent acks=0 may ignore the response.
 *
 * <p>Never blocks the calling thread: batch validation (CRC) runs on it; replication completes the future.
 * Thread-safe.
 */
public final class ProduceHandler implements ApiHandler {
    /** Used when a request's timeout_ms is 0. */
    public static final int DEFAULT_TIMEOUT_MS = 30_000;
    private static final Logger LOG = LoggerFactory.getLogger(ProduceHandler.class);

    private final int nodeId;
    private final RaftServerHost host;
    private final ClusterView view;
    private final TrafficRecorder traffic;
    private final ScheduledExecutorService timer;

    /**
     * @param nodeId this node's id
     * @param host the node's Raft host, holding the partition replicas
     * @param view the cluster as this node knows it
     * @param traffic counts bytes and records in
     * @param timer runs request timeouts (its tasks are tiny)
     */
    public ProduceHandler(final int nodeId, final RaftServerHost host, final ClusterView view,
                          final TrafficRecorder traffic, final ScheduledExecutorService timer) {
        this.nodeId = nodeId;
        this.host = host;
        this.view = view;
        this.traffic = traffic;
        this.timer = timer;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final ProduceRequest body;
        try {
            body = request.body(ProduceRequest.parser());
        } catch (final MalformedFrameException e) {
            return invalid(ErrorCode.MALFORMED_REQUEST, "produce: " + e.getMessage());
        }
        final Acks acks = switch (body.getAcks()) {
            case 0 -> Acks.NONE;
            case 1 -> Acks.LEADER;
            case -1 -> Acks.ALL;
            default -> null;
        };
        if (acks == null) {
            return invalid(ErrorCode.INVALID_REQUEST, "produce: acks=" + body.getAcks() + " must be 0, 1 or -1");
        }
        if (body.getTimeoutMs() < 0) {
            return invalid(ErrorCode.INVALID_REQUEST, "produce: timeout_ms=" + body.getTimeoutMs() + " is negative");
        }
        long announced = 0;
        for (final ProducePartition p : body.getPartitionsList()) {
            if (p.getRecordsBytes() < 0) {
                return invalid(ErrorCode.INVALID_REQUEST, "produce: records_bytes=" + p.getRecordsBytes()
                    + " is negative for topic=" + p.getTopic() + " partition=" + p.getPartition());
            }
            announced += p.getRecordsBytes();
        }
        final int carried = request.records().readableBytes();
        if (announced != carried) {
            return invalid(ErrorCode.INVALID_REQUEST, "produce: records_bytes of the partitions add up to "
                + announced + " but the frame carries recordsBytes=" + carried);
        }
        return new InFlight(request, body, acks).start();
    }

    private static CompletableFuture<Response> invalid(final ErrorCode code, final String message) {
        return CompletableFuture.completedFuture(Response.error(code, message));
    }

    /** One request's appends: results fill in as partitions finish; the first of "all done" and timeout answers. */
    private final class InFlight {
        private final Request request;
        private final ProduceRequest body;
        private final Acks acks;
        private final AtomicReferenceArray<ProducePartitionResult> results;
        private final AtomicInteger unfinished;
        private final CompletableFuture<Response> response = new CompletableFuture<>();
        /** Appends that use the frame's bytes: the frame is released when all have completed. */

        InFlight(final Request request, final ProduceRequest body, final Acks acks) {
            this.request = request;
            this.body = body;
            this.acks = acks;
            this.results = new AtomicReferenceArray<>(body.getPartitionsCount());
            this.unfinished = new AtomicInteger(body.getPartitionsCount());
        }

        CompletableFuture<Response> start() {
            final ByteBuffer all = request.recordsNioBuffer();
            int position = all.position();
            for (int i = 0; i < body.getPartitionsCount(); i++) {
                final int size = body.getPartitions(i).getRecordsBytes();
                submit(i, all.duplicate().limit(position + size).position(position).slice());
                position += size;
            }
            if (acks == Acks.NONE) {
                response.complete(build(ErrorCode.NONE));
            } else if (!response.isDone()) {
                final int timeoutMs = body.getTimeoutMs() == 0 ? DEFAULT_TIMEOUT_MS : body.getTimeoutMs();
                final ScheduledFuture<?> timeout = timer.schedule(
                    () -> response.complete(build(ErrorCode.REQUEST_TIMED_OUT)), timeoutMs, TimeUnit.MILLISECONDS);
                response.whenComplete((r, e) -> timeout.cancel(false));
            }
            return response;
        }

        private void submit(final int i, final ByteBuffer bytes) {
            final ProducePartition p = body.getPartitions(i);
            final PartitionErrors.Lookup where = PartitionErrors.locate(nodeId, host, view, p.getTopic(),
                p.getPartition(), true);
            if (where.failure() != null) {
                finish(i, failed(p, where.failure()));
                return;
            }
            if (!bytes.hasRemaining()) {
                finish(i, failed(p, new PartitionErrors.Failure(ErrorCode.INVALID_REQUEST, "no record batches: "
                    + "records_bytes=0 partition=" + where.partition() + " node=" + nodeId, null)));
                return;
            }
            final PartitionStateMachine replica = where.replica();
            if (!replica.isLeader()) {
                // Spares the validation and the trip through Ratis; Ratis would refuse the same way.
                finish(i, failed(p, PartitionErrors.fromException(nodeId, view, where.partition(), replica,
                    new NotLeaderException(where.partition(), Integer.toString(nodeId), replica.leaderNodeId()))));
                return;
            }
            final ByteBuffer data = copy(bytes);
            CompletableFuture<AppendResult> appended;
            try {
                appended = host.append(where.partition(), data, acks == Acks.NONE ? Acks.ALL : acks);
            } catch (final RuntimeException e) {
                appended = CompletableFuture.failedFuture(e);
            }
            appended.whenComplete((result, error) -> onAppended(i, replica, data, result, error));
        }

        private void onAppended(final int i, final PartitionStateMachine replica, final ByteBuffer data,
                                final AppendResult result, final Throwable error) {
            final ProducePartition p = body.getPartitions(i);
            if (error != null) {
                final PartitionErrors.Failure f = PartitionErrors.fromException(nodeId, view, replica.partition(),
                    replica, error);
                if (f.code() == ErrorCode.UNKNOWN_SERVER_ERROR || f.code() == ErrorCode.STORAGE_ERROR) {
                    LOG.warn("partition={} node={} produce failed: {} {}", replica.partition(), nodeId, f.code(),
                        f.message());
                } else {
                    LOG.debug("partition={} node={} produce refused: {} {}", replica.partition(), nodeId, f.code(),
                        f.message());
                }
                finish(i, failed(p, f));
                return;
            }
            traffic.produced(p.getTopic(), data.remaining(), recordCount(data));
            finish(i, ProducePartitionResult.newBuilder().setTopic(p.getTopic()).setPartition(p.getPartition())
                .setError(ErrorCode.NONE).setBaseOffset(acks == Acks.NONE ? -1 : result.baseOffset())
                .setLogStartOffset(replica.log().logStartOffset()).build());
        }

        private void finish(final int i, final ProducePartitionResult result) {
            // acks=0 has answered already; a late result only matters for the log and the traffic count.
            if (results.compareAndSet(i, null, result) && unfinished.decrementAndGet() == 0 && acks != Acks.NONE) {
                response.complete(build(ErrorCode.NONE));
            }
        }

        /** @param unfinishedAs the code of partitions without a result yet */
        private Response build(final ErrorCode unfinishedAs) {
            final ProduceResponse.Builder out = ProduceResponse.newBuilder();
            for (int i = 0; i < body.getPartitionsCount(); i++) {
                final ProducePartitionResult r = results.get(i);
                if (r != null) {
                    out.addResults(r);
                    continue;
                }
                final ProducePartition p = body.getPartitions(i);
                final ProducePartitionResult.Builder b = ProducePartitionResult.newBuilder().setTopic(p.getTopic())
                    .setPartition(p.getPartition()).setError(unfinishedAs).setBaseOffset(-1).setLogStartOffset(-1);
                if (unfinishedAs != ErrorCode.NONE) {
                    b.setErrorMessage("not acknowledged within timeout_ms: topic=" + p.getTopic() + " partition="
                        + p.getPartition() + " node=" + nodeId + " acks=" + body.getAcks());
                }
                out.addResults(b.build());
            }
            return Response.of(out.build());
        }
    }

    private static ProducePartitionResult failed(final ProducePartition p, final PartitionErrors.Failure f) {
        final ProducePartitionResult.Builder b = ProducePartitionResult.newBuilder().setTopic(p.getTopic())
            .setPartition(p.getPartition()).setError(f.code()).setErrorMessage(f.message()).setBaseOffset(-1)
            .setLogStartOffset(-1);
        if (f.redirect() != null) {
            b.setLeader(f.redirect());
        }
        return b.build();
    }

    private static ByteBuffer copy(final ByteBuffer bytes) {
        final ByteBuffer out = ByteBuffer.allocate(bytes.remaining());
        out.put(bytes.duplicate());
        return out.flip();
    }

    /** Counts records from the batch headers; the bytes were validated by the append that succeeded. */
    private static long recordCount(final ByteBuffer data) {
        final RecordBatch batch = new RecordBatch();
        long records = 0;
        for (int pos = data.position(); pos < data.limit(); pos += batch.sizeInBytes()) {
            records += batch.wrap(data, pos).recordCount();
        }
        return records;
    }
}
