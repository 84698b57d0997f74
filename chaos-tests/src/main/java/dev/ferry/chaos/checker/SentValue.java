package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.Outcome;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything the history says about one value id: its sends (a workload may retry a value under the same id)
 * and their outcomes.
 *
 * <p>Not thread-safe.
 */
final class SentValue {
    final Op.Send firstSend;
    final List<Op.SendResult> acks = new ArrayList<>(1);
    int sends;
    int failures;
    int unknowns;

    SentValue(final Op.Send firstSend) {
        this.firstSend = firstSend;
    }

    void onResult(final Op.SendResult result) {
        if (result.outcome() == Outcome.ACKNOWLEDGED) {
            acks.add(result);
        } else if (result.outcome() == Outcome.FAILED) {
            failures++;
        } else {
            unknowns++;
        }
    }

    boolean acknowledged() {
        return !acks.isEmpty();
    }

    /** Every send of it failed definitely: none acknowledged, none unknown, none still without an outcome. */
    boolean definitelyFailed() {
        return acks.isEmpty() && unknowns == 0 && failures >= sends;
    }

    /** Neither acknowledged nor definitely failed: it may be present at most once. */
    boolean outcomeUnknown() {
        return !acknowledged() && !definitelyFailed();
    }
}
