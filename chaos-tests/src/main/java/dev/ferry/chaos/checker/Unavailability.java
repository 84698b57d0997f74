package dev.ferry.chaos.checker;

import java.util.List;

/**
 * The unavailability after leader-taking faults (node and leader kills), over every (fault, partition) sample.
 *
 * <p>Immutable.
 *
 * @param samples one per fault and affected partition
 * @param p50Ms the median of the recovered samples, 0 when there are none
 * @param p99Ms the 99th percentile (nearest rank) of the recovered samples
 * @param maxMs the largest recovered sample
 * @param unrecovered samples whose partition never acknowledged a write sent after the fault
 */
public record Unavailability(List<UnavailabilitySample> samples, double p50Ms, double p99Ms, double maxMs,
                             int unrecovered) {
    /** Copies the samples. */
    public Unavailability {
        samples = List.copyOf(samples);
    }

    /**
     * @param samples one per fault and affected partition
     * @return the percentiles over the recovered ones
     */
    static Unavailability of(final List<UnavailabilitySample> samples) {
        final double[] ms = samples.stream().filter(UnavailabilitySample::recovered)
                .mapToDouble(UnavailabilitySample::millis).sorted().toArray();
        final int unrecovered = samples.size() - ms.length;
        return new Unavailability(samples, percentile(ms, 50), percentile(ms, 99),
                ms.length == 0 ? 0 : ms[ms.length - 1], unrecovered);
    }

    /** Nearest rank: the smallest sample with at least {@code p} percent of the samples at or below it. */
    static double percentile(final double[] sorted, final double p) {
        if (sorted.length == 0) {
            return 0;
        }
        final int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }
}
