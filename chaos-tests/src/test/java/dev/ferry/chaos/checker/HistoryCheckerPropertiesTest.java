package dev.ferry.chaos.checker;

import static dev.ferry.chaos.checker.Scenario.sum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.Outcome;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.util.ArrayList;
import java.util.List;

/**
 * Random valid histories (from {@link SimulatedRun}) pass; the same history with one anomaly of any kind injected
 * fails with that kind found. jqwik prints the seed of a failing try.
 */
class HistoryCheckerPropertiesTest {
    private static final HistoryChecker CHECKER = new HistoryChecker();

    @Property(tries = 300)
    void validHistoriesPass(@ForAll final long seed) {
        final CheckResult result = CHECKER.check(new SimulatedRun(seed).run(300));

        assertThat(result.valid()).as(result.describe()).isTrue();
    }

    @Property(tries = 400)
    void oneInjectedAnomalyIsFound(@ForAll final long seed, @ForAll final AnomalyKind kind) {
        final SimulatedRun run = new SimulatedRun(seed);
        final History history = run.run(200);

        final CheckResult result = CHECKER.check(inject(kind, run, history));

        assertThat(result.count(kind)).as(result.describe()).isPositive();
    }

    private static History inject(final AnomalyKind kind, final SimulatedRun run, final History history) {
        final List<Op> ops = new ArrayList<>(history.ops());
        final TopicPartition p0 = run.partitions.get(0);
        final List<String> log0 = run.logs.get(p0);
        final long end = log0.size();
        final Later later = new Later(history.endNs());
        switch (kind) {
            case LOST -> ops.removeIf(op -> op instanceof Op.Read r && r.kind() == ReaderKind.FINAL
                    && r.valueId().equals(log0.get(0)));
            case UNEXPECTED -> ops.add(later.finalRead(p0, end, "ghost", 1));
            case CORRUPT -> ops.add(later.finalRead(p0, end, log0.get(0), sum(log0.get(0)) + 1));
            case DUPLICATE -> ops.add(later.finalRead(p0, end, log0.get(0), sum(log0.get(0))));
            case FAILED_BUT_PRESENT -> {
                ops.add(new Op.Send(0, later.next(), "p9", 0, "p9:0", p0, sum("p9:0")));
                ops.add(new Op.SendResult(0, later.next(), "p9", "p9:0", Outcome.FAILED, null, -1, "refused"));
                ops.add(later.finalRead(p0, end, "p9:0", sum("p9:0")));
            }
            case REORDERED, DISAPPEARED -> ops.add(new Op.Read(0, later.next(), "r9", ReaderKind.STANDALONE, null,
                    p0, 0, log0.get(1), sum(log0.get(1))));
            case OUT_OF_SEQUENCE -> {
                // p1's first two values were acknowledged at offsets 0 and 1 of p0: the producer sends one more
                // that the cluster acknowledges below them.
                ops.add(new Op.Send(0, later.next(), "p1", Long.MAX_VALUE, "p1:last", p0, sum("p1:last")));
                ops.add(new Op.SendResult(0, later.next(), "p1", "p1:last", Outcome.ACKNOWLEDGED, p0, 0, null));
            }
            case DIVERGED -> ops.add(new Op.ReplicaDigest(0, later.next(), p0, "n1", end, "different"));
            case UNPROCESSED_BELOW_COMMIT -> {
                ops.removeIf(op -> op instanceof Op.Read r && r.kind() == ReaderKind.GROUP_MEMBER
                        && r.partition().equals(p0) && r.offset() == 0);
                ops.add(new Op.Commit(0, later.next(), Scenario.GROUP, "m1", p0, 1));
            }
            case REPROCESSED_BELOW_COMMIT -> {
                ops.add(new Op.Commit(0, later.next(), Scenario.GROUP, "m9", p0, 1));
                for (int i = 0; i < 2; i++) {
                    ops.add(new Op.Read(0, later.next(), "m9", ReaderKind.GROUP_MEMBER, Scenario.GROUP, p0, 0,
                            log0.get(0), sum(log0.get(0))));
                }
            }
            default -> throw new IllegalArgumentException("no injection for " + kind);
        }
        return History.of(ops);
    }

    /** Monotonic times after the history's end, for appended operations. */
    private static final class Later {
        private long ns;

        Later(final long endNs) {
            this.ns = endNs;
        }

        long next() {
            return ++ns;
        }

        Op.Read finalRead(final TopicPartition p, final long offset, final String valueId, final long checksum) {
            return new Op.Read(0, next(), "final", ReaderKind.FINAL, null, p, offset, valueId, checksum);
        }
    }
}
