package dev.ferry.client.admin;

import java.util.Map;

/**
 * A topic to create.
 *
 * @param name the topic name
 * @param partitions the number of partitions; 0 = the cluster default (num.partitions)
 * @param replicationFactor replicas per partition; 0 = the cluster default (default.replication.factor)
 * @param configs topic config overrides (e.g. retention.ms), checked by the controller
 */
public record NewTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
    /** Validates the fields and copies the configs. */
    public NewTopic {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("topic name must not be empty");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions=" + partitions + " must not be negative: topic=" + name);
        }
        if (replicationFactor < 0) {
            throw new IllegalArgumentException("replicationFactor=" + replicationFactor
                + " must not be negative: topic=" + name);
        }
        configs = Map.copyOf(configs == null ? Map.of() : configs);
    }

    /**
     * @param name the topic name
     * @param partitions the number of partitions (0 = cluster default)
     * @param replicationFactor replicas per partition (0 = cluster default)
     * @return the topic without config overrides
     */
    public static NewTopic of(final String name, final int partitions, final int replicationFactor) {
        return new NewTopic(name, partitions, replicationFactor, Map.of());
    }
}
