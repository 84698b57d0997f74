package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.TopicMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads every replica of every partition after the cluster healed: the checker's truth and its replica digests.
 * For each partition it asks the leader for its high watermark, then reads each assigned replica, from the node
 * that holds it and no other, with raw Fetch requests up to that high watermark, checking every batch's CRC and
 * hashing the raw batch bytes (SHA-256). A replica that lags is waited for (long-poll fetches) until the bound;
 * one that cannot reach the high watermark by then is recorded with what it has (so the checker reports the
 * partition DIVERGED) and a WARN naming node, partition and the offset it reached: the reader never hangs.
 * The records of one replica (the leader's) are recorded as {@link ReaderKind#FINAL} reads.
 *
 * <p>Records per partition, in the {@link HistoryRecorder}: one {@code replicaDigest(partition, "node-<id>",
 * highWatermark, sha256)} per replica (a replica short of the high watermark with its own end offset instead),
 * and a FINAL read of every record below the high watermark.
 *
 * <p>Not thread-safe: one {@link #read} at a time.
 */
public final class FinalReader {
    /** The reader id of the final reads in the history. */
    public static final String READER = "final";
    /** The default bound on waiting for a lagging replica. */
    public static final Duration DEFAULT_CATCH_UP = Duration.ofSeconds(60);
    private static final Logger LOG = LoggerFactory.getLogger(FinalReader.class);
    private static final int DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
    private static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Map<Integer, String> nodes;
    private final HistoryRecorder recorder;
    private final Duration catchUp;
    private final int requestTimeoutMs;

    /**
     * @param nodes node id to the host:port reachable from here, for every node of the cluster
     * @param recorder where the final reads and the digests go
     * @param catchUp how long to wait, in all, for the leader to answer and lagging replicas to catch up
     * @param requestTimeoutMs how long one request may take
     */
    public FinalReader(final Map<Integer, String> nodes, final HistoryRecorder recorder, final Duration catchUp,
                       final int requestTimeoutMs) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("the final reader needs the address of every node; got none");
        }
        if (requestTimeoutMs < 1) {
            throw new IllegalArgumentException("requestTimeoutMs=" + requestTimeoutMs + " must be at least 1");
        }
        this.nodes = new TreeMap<>(nodes);
        this.recorder = Objects.requireNonNull(recorder, "recorder");
        this.catchUp = Objects.requireNonNull(catchUp, "catchUp");
        this.requestTimeoutMs = requestTimeoutMs;
    }

    /**
     * With a 60 s bound and 5 s requests.
     *
     * @param nodes node id to the host:port reachable from here, for every node of the cluster
     * @param recorder where the final reads and the digests go
     */
    public FinalReader(final Map<Integer, String> nodes, final HistoryRecorder recorder) {
        this(nodes, recorder, DEFAULT_CATCH_UP, DEFAULT_REQUEST_TIMEOUT_MS);
    }

    /**
     * @param nodeId a node id
     * @return its name in the history: {@code node-<id>}
     */
    public static String nodeName(final int nodeId) {
        return "node-" + nodeId;
    }

    /**
     * Reads every partition of the topic from every replica and records what it found. Returns within about the
     * catch-up bound plus the time to read the data (a replica still receiving batches is read to the end).
     *
     * @param topic the topic
     * @return every partition's replicas, by partition
     * @throws IllegalStateException when no node describes the topic within the bound
     */
    public List<PartitionCopies> read(final String topic) {
        final long deadline = System.nanoTime() + catchUp.toNanos();
        final Map<Integer, ReplicaReader> readers = new TreeMap<>();
        try (NetworkClient metadata = new NetworkClient(List.copyOf(nodes.values()),
            ConnectionConfig.defaults(ChaosWorkload.CLIENT_PREFIX + "final-metadata"), 1)) {
            nodes.forEach((id, address) -> readers.put(id, new ReplicaReader(id, address, requestTimeoutMs)));
            final TopicMetadata described = describe(metadata, topic, deadline);
            final List<PartitionMetadata> partitions = new ArrayList<>(described.getPartitionsList());
            partitions.sort(Comparator.comparingInt(PartitionMetadata::getPartition));
            final List<PartitionCopies> out = new ArrayList<>();
            for (final PartitionMetadata p : partitions) {
                out.add(readPartition(new TopicPartition(topic, p.getPartition()), metadata, readers, deadline));
            }
            return out;
        } finally {
            readers.values().forEach(ReplicaReader::close);
        }
    }

    private TopicMetadata describe(final NetworkClient metadata, final String topic, final long deadline) {
        String last = "no answer";
        do {
            try {
                final TopicMetadata t = metadata.refreshMetadata(List.of(topic), requestTimeoutMs)
                    .get(requestTimeoutMs + 1_000L, TimeUnit.MILLISECONDS).topic(topic);
                if (t != null && t.getError() == ErrorCode.NONE && t.getPartitionsCount() > 0) {
                    return t;
                }
                last = t == null ? "topic not in the metadata" : t.getError() + " " + t.getErrorMessage();
            } catch (final ExecutionException | TimeoutException | RuntimeException e) {
                last = e.toString();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("final read of topic=" + topic + " interrupted", e);
            }
            LockSupport.parkNanos(RETRY_NS);
        } while (System.nanoTime() - deadline < 0);
        throw new IllegalStateException("final read: no node described topic=" + topic + " within " + catchUp + ": "
            + last);
    }

    private PartitionCopies readPartition(final TopicPartition tp, final NetworkClient metadata,
                                          final Map<Integer, ReplicaReader> readers, final long deadline) {
        final LeaderAnswer answer = leaderHighWatermark(tp, metadata, readers, deadline);
        final ClusterMetadata md = metadata.metadata();
        final List<Integer> replicas = md.replicas(tp.topic(), tp.partition()).isEmpty()
            ? List.copyOf(readers.keySet()) : md.replicas(tp.topic(), tp.partition());
        long highWatermark = answer.highWatermark();
        if (highWatermark < 0) {
            for (final int id : replicas) {
                final ReplicaReader r = readers.get(id);
                highWatermark = Math.max(highWatermark, r == null ? -1 : r.replicaHighWatermark(tp));
            }
            LOG.warn("final read partition={}: no leader answered ListOffsets within {} ({}); using the highest "
                + "replica high watermark {}", tp, catchUp, answer.problem(), highWatermark);
        }
        final long target = Math.max(0, highWatermark);
        int finalFrom = replicas.contains(answer.leader()) ? answer.leader() : replicas.get(0);
        final ReplicaReader.RecordSink sink = (partition, offset, value) ->
            recorder.read(READER, ReaderKind.FINAL, partition, offset, value);
        final Map<Integer, ReplicaCopy> copies = new TreeMap<>();
        for (final int id : replicas) {
            final ReplicaReader r = readers.get(id);
            copies.put(id, r == null ? unreachable(id)
                : r.read(tp, target, deadline, id == finalFrom ? sink : null));
        }
        if (!copies.get(finalFrom).complete()) {
            // The final view must be whole: read it again from a replica that has everything, if one does.
            final int from = finalFrom;
            final ReplicaCopy whole = copies.values().stream().filter(ReplicaCopy::complete).findFirst().orElse(null);
            LOG.warn("final read partition={}: the final reads came from node={}, which is short of high watermark "
                + "{}; {}", tp, from, target, whole == null ? "no replica is complete"
                : "reading them again from node=" + whole.nodeId());
            if (whole != null) {
                finalFrom = whole.nodeId();
                readers.get(finalFrom).read(tp, target, deadline, sink);
            }
        }
        return record(tp, answer.leader(), target, copies);
    }

    private PartitionCopies record(final TopicPartition tp, final int leader, final long target,
                                   final Map<Integer, ReplicaCopy> copies) {
        for (final ReplicaCopy c : copies.values()) {
            recorder.replicaDigest(tp, c.node(), c.complete() ? target : c.endOffset(), c.digest());
            if (!c.complete()) {
                LOG.warn("final read partition={} node={} reached offset {} of high watermark {} (log start {}): {}",
                    tp, c.nodeId(), c.endOffset(), target, c.startOffset(), c.problem());
            }
        }
        final PartitionCopies result = new PartitionCopies(tp, leader, target, List.copyOf(copies.values()));
        final ReplicaCopy first = result.replicas().get(0);
        LOG.info("final read partition={} leader={} highWatermark={} replicas={} identical={} digest={} records={}",
            tp, leader, target, copies.keySet(), result.identical(), first.digest().substring(0, 12),
            first.records());
        return result;
    }

    private ReplicaCopy unreachable(final int id) {
        return new ReplicaCopy(id, 0, 0, "unreachable", 0, 0, false, "no address given for node " + id);
    }

    /** The leader asked and its high watermark, or -1 and why none answered. */
    private record LeaderAnswer(int leader, long highWatermark, String problem) {
    }

    private LeaderAnswer leaderHighWatermark(final TopicPartition tp, final NetworkClient metadata,
                                             final Map<Integer, ReplicaReader> readers, final long deadline) {
        String problem = "no leader in the metadata";
        while (true) {
            final int leader = metadata.metadata().leader(tp.topic(), tp.partition());
            final ReplicaReader r = readers.get(leader);
            if (r != null) {
                try {
                    return new LeaderAnswer(leader, r.highWatermark(tp), null);
                } catch (final IllegalStateException e) {
                    problem = e.getMessage();
                }
            } else if (leader >= 0) {
                problem = "no address given for leader node " + leader;
            }
            if (System.nanoTime() - deadline >= 0) {
                return new LeaderAnswer(leader, -1, problem);
            }
            LockSupport.parkNanos(RETRY_NS);
            try {
                metadata.refreshMetadata(List.of(tp.topic()), requestTimeoutMs)
                    .get(requestTimeoutMs + 1_000L, TimeUnit.MILLISECONDS);
            } catch (final ExecutionException | TimeoutException | RuntimeException e) {
                problem = "metadata: " + e;
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return new LeaderAnswer(leader, -1, "interrupted");
            }
        }
    }
}
