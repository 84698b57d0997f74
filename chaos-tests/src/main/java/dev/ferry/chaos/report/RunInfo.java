package dev.ferry.chaos.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a report says about the run itself: its name, the seed that replays it, and the settings worth printing
 * (nodes, partitions, schedule). The duration comes from the history.
 *
 * <p>Immutable.
 *
 * @param name the run's name, e.g. {@code short-3-nodes}
 * @param seed the seed of the fault schedule and the workload
 * @param settings settings to print, in order
 */
public record RunInfo(String name, long seed, Map<String, String> settings) {
    /** Copies the settings, keeping their order. */
    public RunInfo {
        Objects.requireNonNull(name, "name");
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /**
     * @param name the run's name
     * @param seed the seed
     */
    public RunInfo(final String name, final long seed) {
        this(name, seed, Map.of());
    }
}
