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
 *       processor (that member lost it, or a member gained it: a gain starts from the committed offset), and only
 *       if it lies at or past the offset committed when that happened. Records below that commit had been
 *       processed and committed: processing them again means the group forgot a commit. When two members
 *       process it in overlapping spells (the earlier one lost it without knowing yet, a zombie), the handover
 *       is the later member's gain.
 * </ul>
 * Commits are Kafka's: the next offset to read.
 *
 * <p>Not thread-safe; one per check.
 */
final class GroupChecks {
    private final HistoryIndex index;
    private final Anomalies anomalies;
    /** group/partition to its commits, in history order. */
    private final Map<GroupPartition, List<Step<Op.Commit>>> commits = new HashMap<>();
    /** group/partition to the assignment changes that moved it, in history order. */
    private final Map<GroupPartition, List<Step<Op.AssignmentChange>>> moves = new HashMap<>();
    /** group/partition/offset to the reads of that record by members, in history order. */
    private final Map<GroupPartition, Map<Long, List<Step<Op.Read>>>> processed = new LinkedHashMap<>();

    GroupChecks(final HistoryIndex index, final Anomalies anomalies) {
        this.index = index;
        this.anomalies = anomalies;
        final List<Op> ops = index.history.ops();
        for (int seq = 0; seq < ops.size(); seq++) {
            final Op op = ops.get(seq);
            if (op instanceof Op.Commit commit) {
                commits.computeIfAbsent(new GroupPartition(commit.group(), commit.partition()), k -> new ArrayList<>())
                        .add(new Step<>(seq, commit));
            } else if (op instanceof Op.AssignmentChange change) {
                addMove(new Step<>(seq, change), change.gained());
                addMove(new Step<>(seq, change), change.lost());
            } else if (op instanceof Op.Read read && read.kind() == ReaderKind.GROUP_MEMBER) {
                processed.computeIfAbsent(new GroupPartition(read.group(), read.partition()), k -> new HashMap<>())
                        .computeIfAbsent(read.offset(), o -> new ArrayList<>(1)).add(new Step<>(seq, read));
            }
        }
    }

    private void addMove(final Step<Op.AssignmentChange> change, final Iterable<TopicPartition> partitions) {
        for (final TopicPartition partition : partitions) {
            final List<Step<Op.AssignmentChange>> list = moves.computeIfAbsent(
                    new GroupPartition(change.op().group(), partition), k -> new ArrayList<>());
            if (list.isEmpty() || list.get(list.size() - 1).seq() != change.seq()) {
                list.add(change);
            }
        }
    }

    void run() {
        checkAtLeastOnce();
        checkAtMostOncePastCommit();
    }

    private void checkAtLeastOnce() {
        for (final Map.Entry<GroupPartition, List<Step<Op.Commit>>> e : commits.entrySet()) {
            final GroupPartition gp = e.getKey();
            final long highest = e.getValue().stream().mapToLong(c -> c.op().offset()).max().orElse(0);
            final Map<Long, Op.Read> truth = index.finalView
                    .getOrDefault(gp.partition(), Collections.emptyNavigableMap()).headMap(highest, false);
            final Map<Long, List<Step<Op.Read>>> done = processed.getOrDefault(gp, Map.of());
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
        for (final Map.Entry<GroupPartition, Map<Long, List<Step<Op.Read>>>> e : processed.entrySet()) {
            final GroupPartition gp = e.getKey();
            for (final Map.Entry<Long, List<Step<Op.Read>>> record : e.getValue().entrySet()) {
                final List<Step<Op.Read>> reads = record.getValue();
                for (int i = 1; i < reads.size(); i++) {
                    final String problem = reprocessingProblem(gp, record.getKey(), reads.get(i - 1), reads.get(i));
                    if (problem != null) {
                        anomalies.add(AnomalyKind.REPROCESSED_BELOW_COMMIT, "group " + gp.group() + ": "
                                + HistoryIndex.at(gp.partition(), record.getKey()) + " processed by "
                                + reads.get(i - 1).op().reader() + " then by " + reads.get(i).op().reader() + ": "
                                + problem);
                        break;
                    }
                }
            }
        }
    }

    /** @return why processing {@code offset} again in {@code again} is wrong, or null when it is allowed */
    private String reprocessingProblem(final GroupPartition gp, final long offset, final Step<Op.Read> before,
                                       final Step<Op.Read> again) {
        Step<Op.AssignmentChange> handover = handover(gp, before, again);
        if (handover == null && !before.op().reader().equals(again.op().reader())) {
            // Two owners at once: the earlier reader lost the partition without knowing (fenced by a coordinator
            // that failed over, say) and kept processing what it had fetched after the new owner gained it. As
            // with Kafka's zombies, its commits are refused; the new owner's gain is the handover to judge by.
            handover = lastGainBy(gp, again.op().reader(), again.seq());
        }
        if (handover == null) {
            return "the partition did not change hands in between";
        }
        final Op.Commit commit = lastCommitBefore(gp, handover.seq());
        if (commit != null && offset < commit.offset()) {
            return "it lies below offset " + commit.offset() + " committed by " + commit.member()
                    + " before the handover";
        }
        return null;
    }

    /** The first change between {@code before} and {@code again} where its processor lost the partition. */
    private Step<Op.AssignmentChange> handover(final GroupPartition gp, final Step<Op.Read> before,
                                               final Step<Op.Read> again) {
        final String processor = before.op().reader();
        final List<Step<Op.AssignmentChange>> changes = moves.getOrDefault(gp, List.of());
        for (int i = firstAfter(changes, before.seq()); i < changes.size(); i++) {
            final Step<Op.AssignmentChange> change = changes.get(i);
            if (change.seq() > again.seq()) {
                return null;
            }
            // A gain by anyone starts a new assignment from the committed offset, even the processor's own
            // (it cannot gain what it still owned: its loss went unrecorded).
            final boolean lostByProcessor = change.op().member().equals(processor)
                    && change.op().lost().contains(gp.partition());
            if (lostByProcessor || change.op().gained().contains(gp.partition())) {
                return change;
            }
        }
        return null;
    }

    /** The last change before {@code seq} in which {@code member} gained the partition, or null. */
    private Step<Op.AssignmentChange> lastGainBy(final GroupPartition gp, final String member, final int seq) {
        final List<Step<Op.AssignmentChange>> changes = moves.getOrDefault(gp, List.of());
        for (int i = firstAfter(changes, seq) - 1; i >= 0; i--) {
            final Step<Op.AssignmentChange> change = changes.get(i);
            if (change.op().member().equals(member) && change.op().gained().contains(gp.partition())) {
                return change;
            }
        }
        return null;
    }

    private Op.Commit lastCommitBefore(final GroupPartition gp, final int seq) {
        final List<Step<Op.Commit>> list = commits.getOrDefault(gp, List.of());
        final int after = firstAfter(list, seq);
        return after == 0 ? null : list.get(after - 1).op();
    }

    /** @return the index of the first step with a position above {@code seq}, or the size if none */
    private static int firstAfter(final List<? extends Step<?>> steps, final int seq) {
        int lo = 0;
        int hi = steps.size();
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (steps.get(mid).seq() <= seq) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** An operation and its position in the history: the order of record, also between equal times. */
    private record Step<T extends Op>(int seq, T op) {
    }

    /** A consumer group's view of one partition. */
    private record GroupPartition(String group, TopicPartition partition) {
        GroupPartition {
            Objects.requireNonNull(group, "group");
        }
    }
}
