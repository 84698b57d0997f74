package dev.ferry.chaos.checker;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The verdict on a history: what it holds, each anomaly kind with its count and first examples, and the
 * unavailability after leader-taking faults. Unavailability is measured, not judged: the test decides its bound.
 *
 * <p>Immutable.
 *
 * @param counts what the history holds
 * @param findings every anomaly kind in declaration order, with a count of zero when none was found
 * @param unavailability the unavailability samples and percentiles
 */
public record CheckResult(HistoryCounts counts, Map<AnomalyKind, Finding> findings, Unavailability unavailability) {
    /** Copies the findings and fills in missing kinds with zero. */
    public CheckResult {
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(unavailability, "unavailability");
        final Map<AnomalyKind, Finding> all = new EnumMap<>(AnomalyKind.class);
        for (final AnomalyKind kind : AnomalyKind.values()) {
            all.put(kind, findings.getOrDefault(kind, new Finding(kind, 0, List.of())));
        }
        findings = Collections.unmodifiableMap(all);
    }

    /**
     * @param kind an anomaly kind
     * @return how often it occurred
     */
    public long count(final AnomalyKind kind) {
        return findings.get(kind).count();
    }

    /** @return whether no anomaly of any kind was found */
    public boolean valid() {
        return findings.values().stream().allMatch(f -> f.count() == 0);
    }

    /** @return one line per anomaly kind found, with its first example; "no anomalies" when valid */
    public String describe() {
        if (valid()) {
            return "no anomalies";
        }
        final StringBuilder out = new StringBuilder();
        for (final AnomalyKind kind : AnomalyKind.values()) {
            final Finding finding = findings.get(kind);
            if (finding.count() > 0) {
                out.append(kind).append(": ").append(finding.count()).append(" (").append(kind.description())
                        .append("), e.g. ").append(finding.examples().get(0)).append('\n');
            }
        }
        return out.toString();
    }
}
