package dev.ferry.node.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/** Reads samples out of a Prometheus text exposition, for assertions. */
final class Scrape {
    private Scrape() {
    }

    /**
     * @param body the exposition
     * @param name a sample name, e.g. {@code ferry_topic_in_bytes_total}
     * @param labels label pairs as written, e.g. {@code topic="orders"}; all must be on the sample
     * @return the value of the first matching sample, or empty
     */
    static OptionalDouble value(final String body, final String name, final String... labels) {
        for (final String line : samples(body, name, labels)) {
            return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        return OptionalDouble.empty();
    }

    /**
     * @param body the exposition
     * @param name a sample name
     * @param labels label pairs that must all be present
     * @return the matching sample lines
     */
    static List<String> samples(final String body, final String name, final String... labels) {
        final List<String> out = new ArrayList<>();
        for (final String line : body.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            final int close = line.lastIndexOf('}');
            final String labelPart = close < 0 ? "" : line.substring(0, close);
            boolean all = true;
            for (final String l : labels) {
                all &= labelPart.contains("{" + l + ",") || labelPart.contains("," + l + ",")
                    || labelPart.endsWith("{" + l) || labelPart.endsWith("," + l);
            }
            if (all) {
                out.add(line);
            }
        }
        return out;
    }
}
