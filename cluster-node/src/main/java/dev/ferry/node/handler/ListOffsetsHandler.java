package dev.ferry.node.handler;

import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.ListOffsetsPartition;
import dev.ferry.client.protocol.proto.ListOffsetsPartitionResult;
import dev.ferry.client.protocol.proto.ListOffsetsRequest;
import dev.ferry.client.protocol.proto.ListOffsetsResponse;
import dev.ferry.log.record.TimestampAndOffset;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;

import java.util.concurrent.CompletableFuture;

/**
 * Serves LIST_OFFSETS from any replica here, bounded by that replica's high watermark as fetches are, so that an
 * offset it names can be fetched from it: -2 = the log start, -1 = the high watermark, otherwise the first
 * committed offset with a timestamp at or after the one asked for (-1 when there is none).
 *
 * <p>As in Kafka, a lookup by time returns that record's own timestamp with its offset (so a consumer seeking by
 * time sees where it lands); earliest and latest return timestamp -1. The lookup runs on the calling thread: the
 * memory-mapped time index, a few batch headers from the page cache and the one batch holding the record (its
 * records are read only under CREATE_TIME). Thread-safe.
 */
public final class ListOffsetsHandler implements ApiHandler {
    /** The timestamp that asks for the log start offset. */
    public static final long EARLIEST = -2;
    /** The timestamp that asks for the high watermark. */
    public static final long LATEST = -1;

    private final int nodeId;
    private final RaftServerHost host;
    private final ClusterView view;

    /**
     * @param nodeId this node's id
     * @param host the node's Raft host, holding the partition replicas
     * @param view the cluster as this node knows it
     */
    public ListOffsetsHandler(final int nodeId, final RaftServerHost host, final ClusterView view) {
        this.nodeId = nodeId;
        this.host = host;
        this.view = view;
    }

    @Override
    public CompletableFuture<Response> handle(final Request request) {
        final ListOffsetsRequest body;
        try {
            body = request.body(ListOffsetsRequest.parser());
        } catch (final MalformedFrameException e) {
            return CompletableFuture.completedFuture(Response.error(ErrorCode.MALFORMED_REQUEST,
                "list offsets: " + e.getMessage()));
        }
        final ListOffsetsResponse.Builder out = ListOffsetsResponse.newBuilder();
        for (final ListOffsetsPartition p : body.getPartitionsList()) {
            out.addResults(lookUp(p));
        }
        return CompletableFuture.completedFuture(Response.of(out.build()));
    }

    private ListOffsetsPartitionResult lookUp(final ListOffsetsPartition p) {
        final ListOffsetsPartitionResult.Builder r = ListOffsetsPartitionResult.newBuilder().setTopic(p.getTopic())
            .setPartition(p.getPartition()).setOffset(-1).setTimestamp(-1);
        final PartitionErrors.Lookup where = PartitionErrors.locate(nodeId, host, view, p.getTopic(),
            p.getPartition(), false);
        if (where.failure() != null) {
            return fail(r, where.failure());
        }
        final String at = " partition=" + where.partition() + " node=" + nodeId;
        if (p.getTimestamp() < EARLIEST) {
            return fail(r, new PartitionErrors.Failure(ErrorCode.INVALID_REQUEST, "timestamp=" + p.getTimestamp()
                + " is neither -2 (earliest), -1 (latest) nor a time:" + at, null));
        }
        final PartitionStateMachine replica = where.replica();
        final long highWatermark = replica.highWatermarkForReads();
        if (highWatermark < 0) {
            return fail(r, new PartitionErrors.Failure(ErrorCode.LEADER_NOT_AVAILABLE,
                "new leader not ready to serve reads yet:" + at, null));
        }
        try {
            if (p.getTimestamp() == EARLIEST) {
                return r.setOffset(replica.log().logStartOffset()).build();
            }
            if (p.getTimestamp() == LATEST) {
                return r.setOffset(highWatermark).build();
            }
            final TimestampAndOffset found = replica.log().findByTimestamp(p.getTimestamp());
            if (found == null || found.offset() >= highWatermark) {
                return r.build();
            }
            return r.setOffset(found.offset()).setTimestamp(found.timestamp()).build();
        } catch (final RuntimeException e) {
            return fail(r, PartitionErrors.fromException(nodeId, view, where.partition(), replica, e));
        }
    }

    private static ListOffsetsPartitionResult fail(final ListOffsetsPartitionResult.Builder r,
                                                   final PartitionErrors.Failure f) {
        r.setError(f.code()).setErrorMessage(f.message());
        if (f.redirect() != null) {
            r.setLeader(f.redirect());
        }
        return r.build();
    }
}
