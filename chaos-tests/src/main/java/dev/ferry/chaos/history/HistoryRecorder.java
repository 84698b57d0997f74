package dev.ferry.chaos.history;

import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records a chaos run's operations as they happen, from any number of producer, consumer and nemesis threads.
 *
 * <p>Each thread appends to a buffer of its own, so threads never contend with each other: the only lock taken
 * per operation is the buffer's own, uncontended except while {@link #history()} copies it. Buffers outlive
 * their threads (a pool may retire a thread), and {@link #history()} merges them by monotonic time. An operation
 * costs two clock reads, one small object and an uncontended lock; the unit tests measure it.
 *
 * <p>Thread-safe.
 */
public final class HistoryRecorder {
    private final HistoryClock clock;
    private final AtomicLong nextFaultId = new AtomicLong(1);
    private final Queue<ThreadBuffer> buffers = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<ThreadBuffer> local = ThreadLocal.withInitial(this::register);

    /** A recorder on the system clocks. */
    public HistoryRecorder() {
        this(HistoryClock.SYSTEM);
    }

    /** @param clock where times come from; tests pass a manual clock */
    public HistoryRecorder(final HistoryClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records a send as the producer hands the record to the client. A workload that retries a value itself
     * records the retry as another send with the same id and the same bytes.
     *
     * @param producer the producer's id
     * @param seq the producer's sequence number of this value, increasing per producer
     * @param valueId the record's unique id
     * @param partition the target partition, or null when the client's partitioner picks it
     * @param checksum {@link ChaosValue#checksum} of the value bytes
     */
    public void send(final String producer, final long seq, final String valueId, final TopicPartition partition,
                     final long checksum) {
        add(new Op.Send(clock.wallMs(), clock.monoNs(), producer, seq, valueId, partition, checksum));
    }

    /**
     * Records a send of a {@link ChaosValue}, checksumming it here.
     *
     * @param producer the producer's id
     * @param seq the producer's sequence number of this value
     * @param valueId the record's unique id (the one encoded in {@code value})
     * @param partition the target partition, or null when the client's partitioner picks it
     * @param value the value bytes sent
     */
    public void send(final String producer, final long seq, final String valueId, final TopicPartition partition,
                     final byte[] value) {
        send(producer, seq, valueId, partition, ChaosValue.checksum(value));
    }

    /**
     * Records an acknowledgement.
     *
     * @param producer the producer's id
     * @param valueId the record's id
     * @param partition the partition it was written to
     * @param offset the offset it was written at
     */
    public void acknowledged(final String producer, final String valueId, final TopicPartition partition,
                             final long offset) {
        add(new Op.SendResult(clock.wallMs(), clock.monoNs(), producer, valueId, Outcome.ACKNOWLEDGED, partition,
                offset, null));
    }

    /**
     * Records a definite failure: the cluster refused the record, so it must never be read.
     *
     * @param producer the producer's id
     * @param valueId the record's id
     * @param error what failed
     */
    public void failed(final String producer, final String valueId, final String error) {
        add(new Op.SendResult(clock.wallMs(), clock.monoNs(), producer, valueId, Outcome.FAILED, null, -1, error));
    }

    /**
     * Records an unknown outcome (a timeout, a connection lost after sending): the record may be present once.
     *
     * @param producer the producer's id
     * @param valueId the record's id
     * @param reason why the outcome is unknown
     */
    public void unknown(final String producer, final String valueId, final String reason) {
        add(new Op.SendResult(clock.wallMs(), clock.monoNs(), producer, valueId, Outcome.UNKNOWN, null, -1, reason));
    }

    /**
     * Records a read by a standalone reader or the final reader.
     *
     * @param reader the reader's id
     * @param kind {@link ReaderKind#STANDALONE} or {@link ReaderKind#FINAL}
     * @param partition the partition
     * @param offset the record's offset
     * @param valueId the id decoded from the value ({@link ChaosValue#decode}), or null if it could not be
     * @param checksum {@link ChaosValue#checksum} of the bytes as read
     */
    public void read(final String reader, final ReaderKind kind, final TopicPartition partition, final long offset,
                     final String valueId, final long checksum) {
        add(new Op.Read(clock.wallMs(), clock.monoNs(), reader, kind, null, partition, offset, valueId, checksum));
    }

    /**
     * Records a read by a standalone reader or the final reader, decoding the {@link ChaosValue} here: damaged
     * bytes are recorded as they are (an unknown id or a wrong checksum) for the checker to find.
     *
     * @param reader the reader's id
     * @param kind {@link ReaderKind#STANDALONE} or {@link ReaderKind#FINAL}
     * @param partition the partition
     * @param offset the record's offset
     * @param value the value bytes as read
     */
    public void read(final String reader, final ReaderKind kind, final TopicPartition partition, final long offset,
                     final byte[] value) {
        final ChaosValue.Decoded decoded = ChaosValue.decode(value);
        read(reader, kind, partition, offset, decoded.valueId(), decoded.checksum());
    }

    /**
     * Records that a group member processed a record.
     *
     * @param group the consumer group
     * @param member the member's id
     * @param partition the partition
     * @param offset the record's offset
     * @param valueId the id decoded from the value, or null if it could not be
     * @param checksum {@link ChaosValue#checksum} of the bytes as read
     */
    public void groupRead(final String group, final String member, final TopicPartition partition, final long offset,
                          final String valueId, final long checksum) {
        add(new Op.Read(clock.wallMs(), clock.monoNs(), member, ReaderKind.GROUP_MEMBER, group, partition, offset,
                valueId, checksum));
    }

    /**
     * Records that a group member processed a record, decoding the {@link ChaosValue} here.
     *
     * @param group the consumer group
     * @param member the member's stable id (one per consumer instance, kept across rejoins)
     * @param partition the partition
     * @param offset the record's offset
     * @param value the value bytes as read
     */
    public void groupRead(final String group, final String member, final TopicPartition partition, final long offset,
                          final byte[] value) {
        final ChaosValue.Decoded decoded = ChaosValue.decode(value);
        groupRead(group, member, partition, offset, decoded.valueId(), decoded.checksum());
    }

    /**
     * Records a successful commit (after the commit call returned).
     *
     * @param group the consumer group
     * @param member the member's id
     * @param partition the partition
     * @param offset the committed offset: the next offset to read
     */
    public void commit(final String group, final String member, final TopicPartition partition, final long offset) {
        add(new Op.Commit(clock.wallMs(), clock.monoNs(), group, member, partition, offset));
    }

    /**
     * Records a rebalance seen by a member (from its rebalance listener).
     *
     * @param group the consumer group
     * @param member the member's id
     * @param gained partitions assigned to it
     * @param lost partitions revoked or lost
     */
    public void assignment(final String group, final String member, final Collection<TopicPartition> gained,
                           final Collection<TopicPartition> lost) {
        add(new Op.AssignmentChange(clock.wallMs(), clock.monoNs(), group, member, Set.copyOf(gained),
                Set.copyOf(lost)));
    }

    /**
     * Records the start of a fault.
     *
     * @param kind the kind of fault
     * @param name a short label for the report
     * @param targets the nodes it hits
     * @param ledPartitions the partitions the targets led at that moment; empty when unknown (the checker then
     *     measures unavailability on every partition)
     * @return the id to pass to {@link #faultEnded}
     */
    public long faultStarted(final FaultKind kind, final String name, final List<String> targets,
                             final Set<TopicPartition> ledPartitions) {
        final long id = nextFaultId.getAndIncrement();
        add(new Op.FaultStart(clock.wallMs(), clock.monoNs(), id, kind, name, targets, ledPartitions));
        return id;
    }

    /** @param faultId the id {@link #faultStarted} returned, once the fault is healed */
    public void faultEnded(final long faultId) {
        add(new Op.FaultEnd(clock.wallMs(), clock.monoNs(), faultId));
    }

    /**
     * Records a replica's digest after healing.
     *
     * @param partition the partition
     * @param node the node holding the replica
     * @param highWatermark the offset up to which the log bytes were hashed
     * @param digest the hash of those bytes
     */
    public void replicaDigest(final TopicPartition partition, final String node, final long highWatermark,
                              final String digest) {
        add(new Op.ReplicaDigest(clock.wallMs(), clock.monoNs(), partition, node, highWatermark, digest));
    }

    /**
     * Merges what every thread recorded so far, ordered by monotonic time (a thread's own operations keep their
     * order). Meant for the end of a run; calling it earlier is safe and sees a consistent prefix of each thread.
     *
     * @return the history so far
     */
    public History history() {
        final List<Op> all = new ArrayList<>();
        for (final ThreadBuffer buffer : buffers) {
            buffer.copyTo(all);
        }
        return History.of(all);
    }

    private void add(final Op op) {
        local.get().add(op);
    }

    private ThreadBuffer register() {
        final ThreadBuffer buffer = new ThreadBuffer();
        buffers.add(buffer);
        return buffer;
    }

    /**
     * One thread's operations, in fixed-size chunks: appending never copies what is already recorded (an
     * {@code ArrayList} of millions would copy and reallocate its whole array as it grows). The lock is only
     * contended while {@link #history()} copies.
     */
    private static final class ThreadBuffer {
        private static final int CHUNK = 4096;

        private final List<Op[]> fullChunks = new ArrayList<>();
        private Op[] chunk = new Op[CHUNK];
        private int used;

        synchronized void add(final Op op) {
            if (used == CHUNK) {
                fullChunks.add(chunk);
                chunk = new Op[CHUNK];
                used = 0;
            }
            chunk[used++] = op;
        }

        synchronized void copyTo(final List<Op> out) {
            for (final Op[] full : fullChunks) {
                out.addAll(Arrays.asList(full));
            }
            out.addAll(Arrays.asList(chunk).subList(0, used));
        }
    }
}
