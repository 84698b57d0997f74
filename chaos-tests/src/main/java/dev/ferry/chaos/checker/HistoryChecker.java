package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.Op;

/**
 * Checks a history against what Ferry promises. The final reader's view (every partition read from the start
 * after healing) is the truth: an acknowledged value missing from it is lost; a value read earlier at an offset
 * where it now finds something else has disappeared. See {@link AnomalyKind} for every check and its unit.
 *
 * <p>A history with acknowledged values and no final read has lost them all: nothing proves them present.
 *
 * <p>Stateless; thread-safe.
 */
public final class HistoryChecker {
    /**
     * @param history a finished history
     * @return the counts, the anomalies found and the unavailability
     */
    public CheckResult check(final History history) {
        final HistoryIndex index = new HistoryIndex(history);
        final Anomalies anomalies = new Anomalies();
        new DataChecks(index, anomalies).run();
        new GroupChecks(index, anomalies).run();
        new ReplicaChecks(index, anomalies).run();
        final Unavailability unavailability = new UnavailabilityCheck(index).run();
        return new CheckResult(counts(index), anomalies.findings(), unavailability);
    }

    private static HistoryCounts counts(final HistoryIndex index) {
        long acknowledged = 0;
        long failed = 0;
        long unknown = 0;
        for (final SentValue value : index.sent.values()) {
            if (value.acknowledged()) {
                acknowledged++;
            } else if (value.definitelyFailed()) {
                failed++;
            } else {
                unknown++;
            }
        }
        final History history = index.history;
        return new HistoryCounts(history.size(), index.sent.size(), acknowledged, failed, unknown,
                index.reads.size(), history.ofType(Op.Commit.class).size(), history.ofType(Op.FaultStart.class).size());
    }
}
