package dev.ferry.node.group;

/**
 * The group coordinator's settings, with Kafka's defaults and property names (KIP-848's
 * {@code group.consumer.*} and {@code offsets.topic.num.partitions}).
 *
 * @param offsetsPartitions partitions of {@code __consumer_offsets}; fixed for the cluster's life (a group's
 *                          partition is its id's hash modulo this)
 * @param sessionTimeoutMs a member not heard from for this long is fenced and removed
 * @param heartbeatIntervalMs how often members are told to heartbeat
 */
public record GroupConfig(int offsetsPartitions, int sessionTimeoutMs, int heartbeatIntervalMs) {
    /** Property: partitions of the offsets topic. */
    public static final String OFFSETS_PARTITIONS = "offsets.topic.num.partitions";
    /** Property: member session timeout. */
    public static final String SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    /** Property: member heartbeat interval. */
    public static final String HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";

    /** 50 offsets partitions, 45 s sessions, 5 s heartbeats: Kafka's defaults. */
    public static final GroupConfig DEFAULTS = new GroupConfig(50, 45_000, 5_000);

    /**
     * @throws IllegalArgumentException naming the property when a value is out of range
     */
    public GroupConfig {
        if (offsetsPartitions < 1) {
            throw new IllegalArgumentException(OFFSETS_PARTITIONS + "=" + offsetsPartitions + " must be >= 1");
        }
        if (heartbeatIntervalMs < 1) {
            throw new IllegalArgumentException(HEARTBEAT_INTERVAL_MS + "=" + heartbeatIntervalMs + " must be >= 1");
        }
        if (sessionTimeoutMs <= heartbeatIntervalMs) {
            throw new IllegalArgumentException(SESSION_TIMEOUT_MS + "=" + sessionTimeoutMs + " must be > "
                + HEARTBEAT_INTERVAL_MS + "=" + heartbeatIntervalMs);
        }
    }
}
