package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The checks on the records themselves: lost, unexpected, corrupt, duplicated, failed-but-present, reordered,
 * out of the producer's sequence, and disappeared.
 *
 * <p>Reads that are unexpected or corrupt are reported as such and left out of the order checks, so one damaged
 * byte is not also counted as a reordering.
 *
 * <p>Not thread-safe; one per check.
 */
final class DataChecks {
    private final HistoryIndex index;
    private final Anomalies anomalies;

    DataChecks(final HistoryIndex index, final Anomalies anomalies) {
        this.index = index;
        this.anomalies = anomalies;
    }

    void run() {
        checkLost();
        checkIntegrity();
        checkDuplicates();
        checkOneValuePerOffset();
        checkProducerSequence();
        checkDisappeared();
    }

    private void checkLost() {
        for (final SentValue value : index.sent.values()) {
            if (value.acknowledged() && !index.finalValueIds.contains(value.firstSend.valueId())) {
                final Op.SendResult ack = value.acks.get(0);
                anomalies.add(AnomalyKind.LOST, "value " + ack.valueId() + " acknowledged at "
                        + HistoryIndex.at(ack.partition(), ack.offset()) + " by " + ack.producer()
                        + " is missing from the final read");
            }
        }
    }

    private void checkIntegrity() {
        final Set<String> unexpected = new HashSet<>();
        final Set<String> corrupt = new HashSet<>();
        final Set<String> failedPresent = new HashSet<>();
        for (final Op.Read read : index.reads) {
            final SentValue value = read.valueId() == null ? null : index.sent.get(read.valueId());
            if (value == null) {
                final String at = HistoryIndex.at(read.partition(), read.offset());
                if (unexpected.add(read.valueId() == null ? "undecodable@" + at : read.valueId())) {
                    anomalies.add(AnomalyKind.UNEXPECTED, (read.valueId() == null ? "undecodable bytes"
                            : "value " + read.valueId()) + " read at " + at + " by " + read.reader());
                }
            } else if (value.firstSend.checksum() != read.checksum()) {
                final String at = HistoryIndex.at(read.partition(), read.offset());
                if (corrupt.add(at)) {
                    anomalies.add(AnomalyKind.CORRUPT, "value " + read.valueId() + " at " + at + " read by "
                            + read.reader() + " has checksum " + read.checksum() + ", sent "
                            + value.firstSend.checksum());
                }
            } else if (value.definitelyFailed() && failedPresent.add(read.valueId())) {
                anomalies.add(AnomalyKind.FAILED_BUT_PRESENT, "value " + read.valueId() + " failed definitely "
                        + "but was read at " + HistoryIndex.at(read.partition(), read.offset()) + " by "
                        + read.reader());
            }
        }
    }

    /**
     * A value at two offsets in one reader's view. Readers that disagree with each other are reordering, not
     * duplication: that is {@link #checkOneValuePerOffset} and {@link #checkDisappeared}.
     */
    private void checkDuplicates() {
        final Map<String, Map<String, Op.Read>> firstReadByReader = new HashMap<>();
        final Map<String, String> duplicated = new LinkedHashMap<>();
        for (final Op.Read read : index.reads) {
            if (read.valueId() == null || duplicated.containsKey(read.valueId())) {
                continue;
            }
            final Op.Read first = firstReadByReader.computeIfAbsent(read.reader(), r -> new HashMap<>())
                    .putIfAbsent(read.valueId(), read);
            if (first != null && (first.offset() != read.offset() || !first.partition().equals(read.partition()))) {
                duplicated.put(read.valueId(), "value " + read.valueId() + " found at "
                        + HistoryIndex.at(first.partition(), first.offset()) + " and "
                        + HistoryIndex.at(read.partition(), read.offset()) + " by " + read.reader());
            }
        }
        duplicated.values().forEach(example -> anomalies.add(AnomalyKind.DUPLICATE, example));
    }

    /** Per partition, offset to value must be a function: every reader and every acknowledgement agree. */
    private void checkOneValuePerOffset() {
        final Map<TopicPartition, Map<Long, Observations>> valuesAt = new HashMap<>();
        for (final SentValue value : index.sent.values()) {
            for (final Op.SendResult ack : value.acks) {
                observe(valuesAt, ack.partition(), ack.offset(), ack.valueId(), "ack to " + ack.producer());
            }
        }
        for (final Op.Read read : index.reads) {
            if (index.isValid(read)) {
                observe(valuesAt, read.partition(), read.offset(), read.valueId(), read.reader());
            }
        }
        final List<String> examples = new ArrayList<>();
        for (final Map.Entry<TopicPartition, Map<Long, Observations>> p : valuesAt.entrySet()) {
            for (final Map.Entry<Long, Observations> o : p.getValue().entrySet()) {
                if (o.getValue().others != null) {
                    examples.add(HistoryIndex.at(p.getKey(), o.getKey()) + " holds value (seen by) "
                            + o.getValue().describe());
                }
            }
        }
        examples.sort(null);
        examples.forEach(example -> anomalies.add(AnomalyKind.REORDERED, example));
    }

    private static void observe(final Map<TopicPartition, Map<Long, Observations>> valuesAt,
                                final TopicPartition partition, final long offset, final String valueId,
                                final String seenBy) {
        final Map<Long, Observations> byOffset = valuesAt.computeIfAbsent(partition, p -> new HashMap<>());
        final Observations seen = byOffset.get(offset);
        if (seen == null) {
            byOffset.put(offset, new Observations(valueId, seenBy));
        } else if (!seen.firstValue.equals(valueId)) {
            if (seen.others == null) {
                seen.others = new LinkedHashMap<>();
            }
            seen.others.putIfAbsent(valueId, seenBy);
        }
    }

    /** The values seen at one offset: usually one, so the map of others is made only when needed. */
    private static final class Observations {
        final String firstValue;
        final String firstSeenBy;
        Map<String, String> others;

        Observations(final String firstValue, final String firstSeenBy) {
            this.firstValue = firstValue;
            this.firstSeenBy = firstSeenBy;
        }

        String describe() {
            final Map<String, String> all = new LinkedHashMap<>();
            all.put(firstValue, firstSeenBy);
            all.putAll(others);
            return all.toString();
        }
    }

    /** Per producer and partition, acknowledged offsets increase with the producer's sequence. */
    private void checkProducerSequence() {
        final Map<String, List<Op.SendResult>> acksByProducerPartition = new HashMap<>();
        final Map<String, Long> seqOf = new HashMap<>();
        for (final SentValue value : index.sent.values()) {
            for (final Op.SendResult ack : value.acks) {
                acksByProducerPartition.computeIfAbsent(ack.producer() + "/" + ack.partition(),
                        k -> new ArrayList<>()).add(ack);
                seqOf.put(ack.valueId(), value.firstSend.seq());
            }
        }
        for (final List<Op.SendResult> acks : acksByProducerPartition.values()) {
            acks.sort(Comparator.comparingLong(a -> seqOf.get(a.valueId())));
            long highest = -1;
            String highestValue = null;
            for (final Op.SendResult ack : acks) {
                if (ack.offset() <= highest) {
                    anomalies.add(AnomalyKind.OUT_OF_SEQUENCE, "producer " + ack.producer() + ": value "
                            + ack.valueId() + " (seq " + seqOf.get(ack.valueId()) + ") acknowledged at "
                            + HistoryIndex.at(ack.partition(), ack.offset()) + ", earlier value " + highestValue
                            + " at offset " + highest);
                } else {
                    highest = ack.offset();
                    highestValue = ack.valueId();
                }
            }
        }
    }

    /** A value read during the run must be at the same offset in the final read. */
    private void checkDisappeared() {
        final Set<String> seen = new HashSet<>();
        for (final Op.Read read : index.reads) {
            if (read.kind() == ReaderKind.FINAL || !index.isValid(read)) {
                continue;
            }
            final Op.Read truth = index.finalRead(read.partition(), read.offset());
            if (truth != null && read.valueId().equals(truth.valueId())) {
                continue;
            }
            final String at = HistoryIndex.at(read.partition(), read.offset());
            if (seen.add(at + "=" + read.valueId())) {
                anomalies.add(AnomalyKind.DISAPPEARED, "value " + read.valueId() + " read at " + at + " by "
                        + read.reader() + "; the final read has " + (truth == null ? "nothing" : truth.valueId())
                        + " there");
            }
        }
    }
}
