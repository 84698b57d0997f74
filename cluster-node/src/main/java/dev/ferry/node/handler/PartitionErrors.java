package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.log.LogStorageException;
import dev.ferry.log.OffsetOutOfRangeException;
import dev.ferry.log.SegmentDeletedException;
import dev.ferry.log.record.BatchTooLargeException;
import dev.ferry.log.record.InvalidBatchException;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.replication.NotLeaderException;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.ProducerSequenceException;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaUnhealthyException;
import dev.ferry.replication.UncommittedDuplicateException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where the data-path handlers find a partition's replica on this node, turn exceptions into wire
 * error codes, and pick the node a client should ask instead. Keeping it in one place keeps the answers of
 * Produce, Fetch and ListOffsets the same for the same situation. Thread-safe (stateless).
 */
final class PartitionErrors {

    /**
     * A per-partition error as the handlers answer it.
     *
     * @param code the wire code
     * @param message what went wrong, naming the partition and the node
     * @param redirect for NOT_LEADER and friends: a node that has the partition, or null
     */
    record Failure(ErrorCode code, String message, NodeEndpoint redirect) {
    }

    /**
     * Where a partition of a request lives here.
     *
     * @param partition the partition, or null when its name is not legal
     * @param replica this node's replica, or null with a failure
     * @param failure why the partition cannot be served here, or null
     */
    record Lookup(PartitionId partition, PartitionStateMachine replica, Failure failure) {
    }

    private PartitionErrors() {
    }

    /**
     * Finds this node's replica of a partition; the topic must exist in the cluster view (a replica of a topic
     * being deleted is not served).
     *
     * @param nodeId this node
     * @param host this node's Raft host
     * @param view the cluster view
     * @param topic the topic asked for
     * @param partition the partition asked for
     * @param write true for a client write: internal topics are refused
     * @return the replica, or a failure: UNKNOWN_TOPIC, UNKNOWN_PARTITION, INVALID_TOPIC (a write to an internal
     *         topic), NOT_LEADER naming a node that has it, LEADER_NOT_AVAILABLE while the replica starts
     */
    static Lookup locate(final int nodeId, final RaftServerHost host, final ClusterView view, final String topic,
                         final int partition, final boolean write) {
        final int count = view.partitionCount(topic);
        if (count < 0) {
            return new Lookup(null, null, new Failure(ErrorCode.UNKNOWN_TOPIC, "unknown topic: topic=" + topic
                + " partition=" + partition + " node=" + nodeId, null));
        }
        if (partition < 0 || partition >= count) {
            return new Lookup(null, null, new Failure(ErrorCode.UNKNOWN_PARTITION, "unknown partition: topic="
                + topic + " partition=" + partition + " partitions=" + count + " node=" + nodeId, null));
        }
        final PartitionId id;
        try {
            id = new PartitionId(topic, partition);
        } catch (final IllegalArgumentException e) {
            return new Lookup(null, null, new Failure(ErrorCode.INVALID_TOPIC, e.getMessage(), null));
        }
        if (write && InternalTopics.isInternal(topic)) {
            return new Lookup(id, null, new Failure(ErrorCode.INVALID_TOPIC, "clients may not write internal "
                + "topics: partition=" + id + " node=" + nodeId, null));
        }
        final PartitionStateMachine replica = host.stateMachine(id);
        if (replica != null && replica.log() == null) {
            // Ratis registers the state machine before it initializes it and opens the log.
            return new Lookup(id, null, new Failure(ErrorCode.LEADER_NOT_AVAILABLE, "replica still starting: "
                + "partition=" + id + " node=" + nodeId, null));
        }
        if (replica != null) {
            return new Lookup(id, replica, null);
        }
        final NodeEndpoint redirect = redirect(nodeId, view, id, -1);
        return new Lookup(id, null, new Failure(ErrorCode.NOT_LEADER, "no replica here: partition=" + id
            + " node=" + nodeId + " ask=" + (redirect == null ? "unknown" : redirect.getNodeId()), redirect));
    }

    /**
     * A node that has the partition, best first: the leader named by the caller, the leader in the view, the
     * assigned replicas. This node is never named (its view may be stale about itself).
     *
     * @param nodeId this node
     * @param view the cluster view
     * @param partition the partition
     * @param knownLeader a leader this node learnt of from Raft, or -1
     * @return the endpoint, or null when no other node with an endpoint is known
     */
    static NodeEndpoint redirect(final int nodeId, final ClusterView view, final PartitionId partition,
                                 final int knownLeader) {
        NodeEndpoint e = endpoint(nodeId, view, knownLeader);
        if (e == null) {
            e = endpoint(nodeId, view, view.leader(partition));
        }
        if (e == null) {
            for (final int replica : view.replicas(partition)) {
                e = endpoint(nodeId, view, replica);
                if (e != null) {
                    break;
                }
            }
        }
        return e;
    }

    private static NodeEndpoint endpoint(final int nodeId, final ClusterView view, final int candidate) {
        return candidate < 0 || candidate == nodeId ? null : view.endpoint(candidate);
    }

    /**
     * @param raftNodeId a Ratis peer id, {@code Integer.toString(nodeId)}, or null
     * @return the node id, or -1 when there is none or it is not a number
     */
    static int nodeIdOf(final String raftNodeId) {
        if (raftNodeId == null) {
            return -1;
        }
        try {
            return Integer.parseInt(raftNodeId);
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    /**
     * @param t a failure, possibly wrapped by a future
     * @return the failure itself
     */
    static Throwable unwrap(final Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Maps a failure of an append or a read of one partition to its wire code.
     *
     * @param nodeId this node
     * @param view the cluster view, for NOT_LEADER redirects
     * @param partition the partition
     * @param replica this node's replica, for the leader it knows (may be null)
     * @param failure the failure, possibly wrapped by a future
     * @return the code, a message naming the partition and the problem, and a redirect for NOT_LEADER
     */
    static Failure fromException(final int nodeId, final ClusterView view, final PartitionId partition,
                                 final PartitionStateMachine replica, final Throwable failure) {
        final Throwable t = unwrap(failure);
        final String where = " partition=" + partition + " node=" + nodeId;
        if (t instanceof NotLeaderException nle) {
            int leader = nodeIdOf(nle.leaderId());
            if (leader < 0 && replica != null) {
                leader = nodeIdOf(replica.leaderNodeId());
            }
            final NodeEndpoint redirect = redirect(nodeId, view, partition, leader);
            return new Failure(ErrorCode.NOT_LEADER, "not the leader:" + where + " leader="
                + (redirect == null ? "unknown" : redirect.getNodeId()), redirect);
        }
        if (t instanceof BatchTooLargeException) {
            return new Failure(ErrorCode.BATCH_TOO_LARGE, t.getMessage() + ";" + where, null);
        }
        if (t instanceof InvalidBatchException) {
            return new Failure(ErrorCode.CORRUPT_BATCH, t.getMessage() + ";" + where, null);
        }
        if (t instanceof ProducerSequenceException pse) {
            return new Failure(pse.fenced() ? ErrorCode.PRODUCER_FENCED : ErrorCode.OUT_OF_ORDER_SEQUENCE,
                t.getMessage() + ";" + where, null);
        }
        if (t instanceof UncommittedDuplicateException) {
            return new Failure(ErrorCode.NOT_ENOUGH_REPLICAS, t.getMessage() + ";" + where, null);
        }
        if (t instanceof OffsetOutOfRangeException || t instanceof SegmentDeletedException) {
            return new Failure(ErrorCode.OFFSET_OUT_OF_RANGE, t.getMessage() + ";" + where, null);
        }
        final Failure leadership = leadershipFailure(nodeId, view, partition, replica, t, where);
        if (leadership != null) {
            return leadership;
        }
        if (t instanceof ReplicaUnhealthyException || t instanceof LogStorageException) {
            return new Failure(ErrorCode.STORAGE_ERROR, "storage error:" + where + ": " + t.getMessage(), null);
        }
        return new Failure(ErrorCode.UNKNOWN_SERVER_ERROR, "unexpected error:" + where + ": " + t, null);
    }

    /**
     * The host wraps Ratis refusals it does not know in ReplicaUnhealthyException; those that only mean a leader
     * change is under way are retriable, not storage errors.
     */
    private static Failure leadershipFailure(final int nodeId, final ClusterView view, final PartitionId partition,
                                             final PartitionStateMachine replica, final Throwable t,
                                             final String where) {
        final boolean healthy = replica == null || replica.isHealthy();
        final Throwable ratis = t instanceof ReplicaUnhealthyException && healthy && t.getCause() != null
            ? t.getCause() : t;
        if (ratis instanceof LeaderSteppingDownException
            || ratis instanceof org.apache.ratis.protocol.exceptions.NotLeaderException) {
            final NodeEndpoint redirect = redirect(nodeId, view, partition,
                replica == null ? -1 : nodeIdOf(replica.leaderNodeId()));
            return new Failure(ErrorCode.NOT_LEADER, "leadership moving:" + where + ": " + ratis.getMessage(),
                redirect);
        }
        if (ratis instanceof LeaderNotReadyException) {
            return new Failure(ErrorCode.LEADER_NOT_AVAILABLE, "leader not ready:" + where, null);
        }
        return null;
    }
}
