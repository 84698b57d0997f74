package dev.ferry.chaos.report;

import dev.ferry.chaos.history.FaultKind;
import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.Outcome;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A history cut into one-second buckets from its first operation: acknowledged writes and errors (failed or
 * unknown sends) per second, and the faults as intervals in seconds from the start. A fault never healed lasts
 * to the end.
 *
 * <p>Immutable.
 */
public final class Timeline {
    private static final double NS_PER_S = 1e9;

    private final long[] acknowledgedPerSecond;
    private final long[] errorsPerSecond;
    private final List<FaultInterval> faults;
    private final double durationS;

    private Timeline(final long[] acknowledgedPerSecond, final long[] errorsPerSecond,
                     final List<FaultInterval> faults, final double durationS) {
        this.acknowledgedPerSecond = acknowledgedPerSecond;
        this.errorsPerSecond = errorsPerSecond;
        this.faults = List.copyOf(faults);
        this.durationS = durationS;
    }

    /**
     * @param history a history
     * @return its timeline
     */
    public static Timeline of(final History history) {
        final long startNs = history.startNs();
        final double durationS = (history.endNs() - startNs) / NS_PER_S;
        final int seconds = (int) Math.floor(durationS) + 1;
        final long[] acks = new long[seconds];
        final long[] errors = new long[seconds];
        final Map<Long, Op.FaultStart> started = new LinkedHashMap<>();
        final Map<Long, Double> ended = new LinkedHashMap<>();
        for (final Op op : history.ops()) {
            final int second = (int) ((op.monoNs() - startNs) / 1_000_000_000L);
            if (op instanceof Op.SendResult result) {
                if (result.outcome() == Outcome.ACKNOWLEDGED) {
                    acks[second]++;
                } else {
                    errors[second]++;
                }
            } else if (op instanceof Op.FaultStart start) {
                started.put(start.faultId(), start);
            } else if (op instanceof Op.FaultEnd end) {
                ended.put(end.faultId(), (end.monoNs() - startNs) / NS_PER_S);
            }
        }
        final List<FaultInterval> faults = new ArrayList<>();
        for (final Op.FaultStart start : started.values()) {
            faults.add(new FaultInterval(start.faultId(), start.kind(), start.name(), start.targets(),
                    (start.monoNs() - startNs) / NS_PER_S, ended.getOrDefault(start.faultId(), durationS),
                    ended.containsKey(start.faultId())));
        }
        return new Timeline(acks, errors, faults, durationS);
    }

    /** @return acknowledged writes in each second from the start (a copy) */
    public long[] acknowledgedPerSecond() {
        return acknowledgedPerSecond.clone();
    }

    /** @return failed or unknown sends in each second from the start (a copy) */
    public long[] errorsPerSecond() {
        return errorsPerSecond.clone();
    }

    /** @return the faults, in the order they started */
    public List<FaultInterval> faults() {
        return faults;
    }

    /** @return seconds from the first to the last operation */
    public double durationS() {
        return durationS;
    }

    /**
     * One fault on the timeline.
     *
     * @param faultId the fault's id
     * @param kind its kind
     * @param name its label
     * @param targets the nodes it hit
     * @param startS seconds from the start of the history
     * @param endS when it was healed, or the end of the history
     * @param healed whether it was healed
     */
    public record FaultInterval(long faultId, FaultKind kind, String name, List<String> targets, double startS,
                                double endS, boolean healed) {
        /** Copies the targets. */
        public FaultInterval {
            targets = List.copyOf(targets);
        }
    }
}
