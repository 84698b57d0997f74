package dev.ferry.replication;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A topic partition: its name on disk ({@code topic-3}) and its Raft group id, derived from the name so that
 * every node computes the same id without asking anyone.
 *
 * @param topic the topic: 1 to 249 characters of {@code [a-zA-Z0-9._-]}, as in Kafka
 * @param partition the partition number, 0 or more
 */
public record PartitionId(String topic, int partition) {
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    /**
     * @param topic the topic name
     * @param partition the partition number
     * @throws IllegalArgumentException naming the value when the topic or partition is not legal
     */
    public PartitionId {
        if (topic == null || !LEGAL_TOPIC.matcher(topic).matches() || ".".equals(topic) || "..".equals(topic)) {
            throw new IllegalArgumentException("illegal topic name: topic=" + topic
                + " (1 to 249 characters of a-z A-Z 0-9 . _ -, not . or ..)");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("illegal partition: partition=" + partition + " (must be >= 0)");
        }
    }

    /**
     * @param name a directory name such as {@code orders-3}
     * @return the partition it names
     * @throws IllegalArgumentException when the name is not {@code topic-N}
     */
    public static PartitionId parse(final String name) {
        final int dash = name.lastIndexOf('-');
        if (dash <= 0 || dash == name.length() - 1) {
            throw new IllegalArgumentException("not a partition name: " + name + " (expected topic-N)");
        }
        try {
            return new PartitionId(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("not a partition name: " + name + " (expected topic-N)", e);
        }
    }

    /** @return {@code topic-partition}, the partition's directory name */
    public String name() {
        return topic + "-" + partition;
    }

    /** @return the id of the partition's Raft group: a name-based UUID, the same on every node */
    public UUID raftGroupUuid() {
        return UUID.nameUUIDFromBytes(("ferry-partition:" + name()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return name();
    }
}
