package dev.ferry.node.cluster;

/**
 * Topics the cluster keeps for itself. Committed consumer offsets live in {@value #CONSUMER_OFFSETS}, sharded by
 * group: a group's coordinator is the leader of the group's partition of that topic, as in Kafka.
 */
public final class InternalTopics {
    /** Committed offsets of consumer groups. */
    public static final String CONSUMER_OFFSETS = "__consumer_offsets";

    private InternalTopics() {
    }

    /**
     * @param topic a topic name
     * @return true for the cluster's own topics (clients may read but not write or delete them)
     */
    public static boolean isInternal(final String topic) {
        return CONSUMER_OFFSETS.equals(topic);
    }

    /**
     * @param groupId a group id
     * @param partitions partitions of {@value #CONSUMER_OFFSETS}
     * @return the partition holding the group's offsets; the same on every node and in every version
     */
    public static int offsetsPartitionFor(final String groupId, final int partitions) {
        // Java's String.hashCode is specified by the language; Kafka uses the same (Utils.abs(hashCode) % n).
        return (groupId.hashCode() & 0x7fffffff) % partitions;
    }

}
