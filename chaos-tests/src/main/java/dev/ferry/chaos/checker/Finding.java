package dev.ferry.chaos.checker;

import java.util.List;
import java.util.Objects;

/**
 * How often one kind of anomaly occurred, with the first few occurrences described so a person can start
 * looking.
 *
 * <p>Immutable.
 *
 * @param kind the anomaly kind
 * @param count how many occurrences (see each kind for its unit)
 * @param examples descriptions of the first occurrences found, at most {@link Anomalies#MAX_EXAMPLES}
 */
public record Finding(AnomalyKind kind, long count, List<String> examples) {
    /** Copies the examples. */
    public Finding {
        Objects.requireNonNull(kind, "kind");
        examples = List.copyOf(examples);
    }
}
