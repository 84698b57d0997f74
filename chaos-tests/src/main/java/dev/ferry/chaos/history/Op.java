package dev.ferry.chaos.history;

import dev.ferry.client.TopicPartition;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of a history. Every entry carries the wall-clock time (for people) and the monotonic time (for order
 * and durations) at which it was recorded. Sends are recorded twice, Jepsen style: {@link Send} when invoked and
 * {@link SendResult} when the outcome is known; the checker joins them by value id.
 *
 * <p>Immutable.
 */
public sealed interface Op {
    /** @return wall-clock milliseconds since the epoch when recorded */
    long wallMs();

    /** @return monotonic nanoseconds when recorded */
    long monoNs();

    /**
     * A producer handed a record to the client.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param producer the producer's id
     * @param seq the producer's sequence number for this value, increasing per producer
     * @param valueId the record's unique id (e.g. {@code producer:seq})
     * @param partition the target partition, or null when the client's partitioner picks it
     * @param checksum the checksum of the value bytes sent ({@link ChaosValue#checksum})
     */
    record Send(long wallMs, long monoNs, String producer, long seq, String valueId, TopicPartition partition,
                long checksum) implements Op {
        /** Checks the ids are present. */
        public Send {
            Objects.requireNonNull(producer, "producer");
            Objects.requireNonNull(valueId, "valueId");
        }
    }

    /**
     * The outcome of a send.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param producer the producer's id
     * @param valueId the record's id
     * @param outcome acknowledged, failed or unknown
     * @param partition where it was acknowledged; null unless acknowledged
     * @param offset the acknowledged offset; -1 unless acknowledged
     * @param error the error's description; null when acknowledged
     */
    record SendResult(long wallMs, long monoNs, String producer, String valueId, Outcome outcome,
                      TopicPartition partition, long offset, String error) implements Op {
        /** Checks an acknowledgement has its partition and offset. */
        public SendResult {
            Objects.requireNonNull(producer, "producer");
            Objects.requireNonNull(valueId, "valueId");
            Objects.requireNonNull(outcome, "outcome");
            if (outcome == Outcome.ACKNOWLEDGED && (partition == null || offset < 0)) {
                throw new IllegalArgumentException("an acknowledgement needs a partition and an offset >= 0: "
                        + "valueId=" + valueId + " partition=" + partition + " offset=" + offset);
            }
        }
    }

    /**
     * A reader read one record.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param reader the reader's id (the member id for group members)
     * @param kind group member, standalone reader or the final reader
     * @param group the consumer group; null unless {@code kind} is {@link ReaderKind#GROUP_MEMBER}
     * @param partition the partition read
     * @param offset the record's offset
     * @param valueId the value id found in the bytes, or null when they could not be decoded
     * @param checksum the checksum of the bytes as read
     */
    record Read(long wallMs, long monoNs, String reader, ReaderKind kind, String group, TopicPartition partition,
                long offset, String valueId, long checksum) implements Op {
        /** Checks the ids are present and a group read names its group. */
        public Read {
            Objects.requireNonNull(reader, "reader");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(partition, "partition");
            if ((kind == ReaderKind.GROUP_MEMBER) != (group != null)) {
                throw new IllegalArgumentException("a group member's read names its group, no other does: kind="
                        + kind + " group=" + group);
            }
        }
    }

    /**
     * A group member's offset commit succeeded. The offset is Kafka's: the next offset to read, so every record
     * below it has been processed.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param group the consumer group
     * @param member the member that committed
     * @param partition the partition
     * @param offset the committed offset
     */
    record Commit(long wallMs, long monoNs, String group, String member, TopicPartition partition, long offset)
            implements Op {
        /** Checks the ids are present. */
        public Commit {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(member, "member");
            Objects.requireNonNull(partition, "partition");
        }
    }

    /**
     * A group member gained or lost partitions in a rebalance.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param group the consumer group
     * @param member the member
     * @param gained partitions assigned to it
     * @param lost partitions revoked from it or lost with its membership
     */
    record AssignmentChange(long wallMs, long monoNs, String group, String member, Set<TopicPartition> gained,
                            Set<TopicPartition> lost) implements Op {
        /** Copies the sets. */
        public AssignmentChange {
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(member, "member");
            gained = Set.copyOf(gained);
            lost = Set.copyOf(lost);
        }
    }

    /**
     * A nemesis started a fault.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param faultId the id {@link FaultEnd} refers to
     * @param kind the kind of fault
     * @param name a short label for the report (e.g. {@code kill n2})
     * @param targets the nodes it hit
     * @param ledPartitions the partitions the targets led when it started; empty when unknown
     */
    record FaultStart(long wallMs, long monoNs, long faultId, FaultKind kind, String name, List<String> targets,
                      Set<TopicPartition> ledPartitions) implements Op {
        /** Copies the collections. */
        public FaultStart {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(name, "name");
            targets = List.copyOf(targets);
            ledPartitions = Set.copyOf(ledPartitions);
        }
    }

    /**
     * A nemesis healed a fault.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param faultId the id of the {@link FaultStart}
     */
    record FaultEnd(long wallMs, long monoNs, long faultId) implements Op {
    }

    /**
     * After healing, a hash of one replica's log bytes up to the high watermark.
     *
     * @param wallMs wall clock
     * @param monoNs monotonic clock
     * @param partition the partition
     * @param node the node holding the replica
     * @param highWatermark the offset up to which the bytes were hashed
     * @param digest the hash, e.g. SHA-256 in hex
     */
    record ReplicaDigest(long wallMs, long monoNs, TopicPartition partition, String node, long highWatermark,
                         String digest) implements Op {
        /** Checks the ids are present. */
        public ReplicaDigest {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(digest, "digest");
        }
    }
}
