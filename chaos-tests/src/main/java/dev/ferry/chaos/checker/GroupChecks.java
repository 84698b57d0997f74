package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The consumer-group guarantees, per group and partition:
 * <ul>
 *   <li>at least once: every record the final reader found below the highest committed offset was processed
 *       (read by a member of the group);
 *   <li>at most once past the last commit: a record is processed again only after the partition left its previous
 *       processor (that member lost it, or another member gained it), and only if it lies at or past the offset
 *       committed when that happened. Records below that commit had been processed and committed: processing
 *       them again means the group forgot a commit.
 * </ul>
 * Commits are Kafka's: the next offset to read.
 *
 * <p>Not thread-safe; one per check.
 */
final class GroupChecks {
    private final HistoryIndex index;
    private final Anomalies anomalies;
    /** group/partition to its commits, in time order. */
    private final Map<GroupPartition, List<Op.Commit>> commits = new HashMap<>();
    /** group/partition to the assignment changes that moved it, in time order. */
    private final Map<GroupPartition, List<Op.AssignmentChange>> moves = new HashMap<>();
    /** group/partition/offset to the reads of that record by members, in time order. */
    private final Map<GroupPartition, Map<Long, List<Op.Read>>> processed = new LinkedHashMap<>();

    GroupChecks(final HistoryIndex index, final Anomalies anomalies) {
        this.index = index;
        this.anomalies = anomalies;
        for (final Op op : index.history.ops()) {
            if (op instanceof Op.Commit commit) {
                commits.computeIfAbsent(new GroupPartition(commit.group(), commit.partition()), k -> new ArrayList<>())
                        .add(commit);
            } else if (op instanceof Op.AssignmentChange change) {
                addMove(change, change.gained());
                addMove(change, change.lost());
            } else if (op instanceof Op.Read read && read.kind() == ReaderKind.GROUP_MEMBER) {
                processed.computeIfAbsent(new GroupPartition(read.group(), read.partition()),
                        k -> new HashMap<>()).computeIfAbsent(read.offset(), o -> new ArrayList<>(1)).add(read);
            }
        }
    }

    private void addMove(final Op.AssignmentChange change, final Iterable<TopicPartition> partitions) {
        for (final TopicPartition partition : partitions) {
            final List<Op.AssignmentChange> list =
                    moves.computeIfAbsent(new GroupPartition(change.group(), partition), k -> new ArrayList<>());
            if (list.isEmpty() || list.get(list.size() - 1) != change) {
                list.add(change);
            }
        }
    }

    void run() {
        checkAtLeastOnce();
        checkAtMostOncePastCommit();
    }

    private void checkAtLeastOnce() {
        for (final Map.Entry<GroupPartition, List<Op.Commit>> e : commits.entrySet()) {
            final GroupPartition gp = e.getKey();
            final long highest = e.getValue().stream().mapToLong(Op.Commit::offset).max().orElse(0);
            final Map<Long, Op.Read> truth = index.finalView
                    .getOrDefault(gp.partition(), Collections.emptyNavigableMap()).headMap(highest, false);
            final Map<Long, List<Op.Read>> done = processed.getOrDefault(gp, Map.of());
            for (final Map.Entry<Long, Op.Read> record : truth.entrySet()) {
                if (!done.containsKey(record.getKey())) {
                    anomalies.add(AnomalyKind.UNPROCESSED_BELOW_COMMIT, "group " + gp.group() + ": "
                            + HistoryIndex.at(gp.partition(), record.getKey()) + " (value "
                            + record.getValue().valueId() + ") is below committed offset " + highest
                            + " but no member processed it");
                }
            }
        }
    }

    private void checkAtMostOncePastCommit() {
        for (final Map.Entry<GroupPartition, Map<Long, List<Op.Read>>> e : processed.entrySet()) {
            final GroupPartition gp = e.getKey();
            for (final Map.Entry<Long, List<Op.Read>> record : e.getValue().entrySet()) {
                final List<Op.Read> reads = record.getValue();
                for (int i = 1; i < reads.size(); i++) {
                    final String problem = reprocessingProblem(gp, record.getKey(), reads.get(i - 1), reads.get(i));
                    if (problem != null) {
                        anomalies.add(AnomalyKind.REPROCESSED_BELOW_COMMIT, "group " + gp.group() + ": "
                                + HistoryIndex.at(gp.partition(), record.getKey()) + " processed by "
                                + reads.get(i - 1).reader() + " then by " + reads.get(i).reader() + ": " + problem);
                        break;
                    }
                }
            }
        }
    }

    /** @return why processing {@code offset} again in {@code again} is wrong, or null when it is allowed */
    private String reprocessingProblem(final GroupPartition gp, final long offset, final Op.Read before,
                                       final Op.Read again) {
        final Op.AssignmentChange handover = handover(gp, before, again);
        if (handover == null) {
            return "the partition did not change hands in between";
        }
        final Op.Commit commit = lastCommitAtOrBefore(gp, handover.monoNs());
        if (commit != null && offset < commit.offset()) {
            return "it lies below offset " + commit.offset() + " committed by " + commit.member()
                    + " before the handover";
        }
        return null;
    }

    /** The first change after {@code before} and up to {@code again} where its processor lost the partition. */
    private Op.AssignmentChange handover(final GroupPartition gp, final Op.Read before, final Op.Read again) {
        for (final Op.AssignmentChange change : moves.getOrDefault(gp, List.of())) {
            if (change.monoNs() < before.monoNs()) {
                continue;
            }
            if (change.monoNs() > again.monoNs()) {
                return null;
            }
            final boolean lostByProcessor = change.member().equals(before.reader())
                    && change.lost().contains(gp.partition());
            final boolean gainedByOther = !change.member().equals(before.reader())
                    && change.gained().contains(gp.partition());
            if (lostByProcessor || gainedByOther) {
                return change;
            }
        }
        return null;
    }

    private Op.Commit lastCommitAtOrBefore(final GroupPartition gp, final long monoNs) {
        Op.Commit last = null;
        for (final Op.Commit commit : commits.getOrDefault(gp, List.of())) {
            if (commit.monoNs() > monoNs) {
                break;
            }
            last = commit;
        }
        return last;
    }

    /** A consumer group's view of one partition. */
    private record GroupPartition(String group, TopicPartition partition) {
        GroupPartition {
            Objects.requireNonNull(group, "group");
        }
    }
}
