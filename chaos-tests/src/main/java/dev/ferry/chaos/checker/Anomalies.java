package dev.ferry.chaos.checker;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Collects anomalies while the checks run: a count per kind and the first few descriptions.
 *
 * <p>Not thread-safe.
 */
final class Anomalies {
    /** Examples kept per kind. */
    static final int MAX_EXAMPLES = 5;

    private final Map<AnomalyKind, Long> counts = new EnumMap<>(AnomalyKind.class);
    private final Map<AnomalyKind, List<String>> examples = new EnumMap<>(AnomalyKind.class);

    void add(final AnomalyKind kind, final String example) {
        counts.merge(kind, 1L, Long::sum);
        final List<String> list = examples.computeIfAbsent(kind, k -> new ArrayList<>());
        if (list.size() < MAX_EXAMPLES) {
            list.add(example);
        }
    }

    Map<AnomalyKind, Finding> findings() {
        final Map<AnomalyKind, Finding> out = new EnumMap<>(AnomalyKind.class);
        for (final AnomalyKind kind : AnomalyKind.values()) {
            out.put(kind, new Finding(kind, counts.getOrDefault(kind, 0L), examples.getOrDefault(kind, List.of())));
        }
        return out;
    }
}
