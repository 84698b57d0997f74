package dev.ferry.client.consumer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A consumer's settings, with Kafka's key names and defaults, read from a {@code Map<String, ?>} (values as
 * strings or numbers/booleans). Every invalid or unknown-valued key fails with an {@link IllegalArgumentException}
 * naming the key.
 *
 * @param bootstrapServers bootstrap.servers: host:port of some nodes
 * @param groupId group.id: the consumer group, empty for none (assign only, no commits)
 * @param clientId client.id
 * @param clientRack client.rack: fetch from a replica in this rack when there is one; empty for none
 * @param autoOffsetReset auto.offset.reset: earliest, latest or none
 * @param enableAutoCommit enable.auto.commit
 * @param autoCommitIntervalMs auto.commit.interval.ms
 * @param fetchMinBytes fetch.min.bytes
 * @param fetchMaxWaitMs fetch.max.wait.ms
 * @param fetchMaxBytes fetch.max.bytes
 * @param maxPartitionFetchBytes max.partition.fetch.bytes
 * @param maxPollRecords max.poll.records
 * @param requestTimeoutMs request.timeout.ms: one request's timeout
 * @param defaultApiTimeoutMs default.api.timeout.ms: blocking calls without a timeout
 * @param groupRemoteAssignor group.remote.assignor: sticky or range
 * @param maxPollIntervalMs max.poll.interval.ms (default 300000, at least 1): the longest time between two polls
 *        before a group member leaves its group so its partitions go to others (the next poll rejoins); also the
 *        rebalance timeout sent to the coordinator, the time the member gets to give up revoked partitions. The
 *        session timeout and heartbeat interval are broker settings (group.consumer.session.timeout.ms,
 *        group.consumer.heartbeat.interval.ms): a background thread heartbeats, so processing time does not count
 *        against the session
 */
public record ConsumerConfig(List<String> bootstrapServers, String groupId, String clientId, String clientRack,
                             String autoOffsetReset, boolean enableAutoCommit, long autoCommitIntervalMs,
                             int fetchMinBytes, int fetchMaxWaitMs, int fetchMaxBytes, int maxPartitionFetchBytes,
                             int maxPollRecords, long requestTimeoutMs, long defaultApiTimeoutMs,
                             String groupRemoteAssignor, int maxPollIntervalMs) {
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String GROUP_ID = "group.id";
    public static final String CLIENT_ID = "client.id";
    public static final String CLIENT_RACK = "client.rack";
    public static final String AUTO_OFFSET_RESET = "auto.offset.reset";
    public static final String ENABLE_AUTO_COMMIT = "enable.auto.commit";
    public static final String AUTO_COMMIT_INTERVAL_MS = "auto.commit.interval.ms";
    public static final String FETCH_MIN_BYTES = "fetch.min.bytes";
    public static final String FETCH_MAX_WAIT_MS = "fetch.max.wait.ms";
    public static final String FETCH_MAX_BYTES = "fetch.max.bytes";
    public static final String MAX_PARTITION_FETCH_BYTES = "max.partition.fetch.bytes";
    public static final String MAX_POLL_RECORDS = "max.poll.records";
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    public static final String DEFAULT_API_TIMEOUT_MS = "default.api.timeout.ms";
    public static final String GROUP_REMOTE_ASSIGNOR = "group.remote.assignor";
    public static final String MAX_POLL_INTERVAL_MS = "max.poll.interval.ms";

    private static final Set<String> RESETS = Set.of("earliest", "latest", "none");
    private static final Set<String> ASSIGNORS = Set.of("sticky", "range");

    /**
     * @param props the settings by Kafka key name; unknown keys are ignored
     * @return the config
     * @throws IllegalArgumentException naming the key of a missing or invalid value
     */
    public static ConsumerConfig from(final Map<String, ?> props) {
        final Object servers = props.get(BOOTSTRAP_SERVERS);
        if (servers == null || servers.toString().isBlank()) {
            throw new IllegalArgumentException(BOOTSTRAP_SERVERS + " is required: host:port[,host:port...]");
        }
        final List<String> bootstrap = new ArrayList<>();
        if (servers instanceof List<?> list) {
            list.forEach(s -> bootstrap.add(s.toString().trim()));
        } else {
            Arrays.stream(servers.toString().split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(bootstrap::add);
        }
        return new ConsumerConfig(bootstrap, string(props, GROUP_ID, ""), string(props, CLIENT_ID, "ferry-consumer"),
            string(props, CLIENT_RACK, ""),
            oneOf(props, AUTO_OFFSET_RESET, "latest", RESETS), bool(props, ENABLE_AUTO_COMMIT, true),
            number(props, AUTO_COMMIT_INTERVAL_MS, 5000, 1), (int) number(props, FETCH_MIN_BYTES, 1, 0),
            (int) number(props, FETCH_MAX_WAIT_MS, 500, 0), (int) number(props, FETCH_MAX_BYTES, 50 << 20, 1),
            (int) number(props, MAX_PARTITION_FETCH_BYTES, 1 << 20, 1), (int) number(props, MAX_POLL_RECORDS, 500, 1),
            number(props, REQUEST_TIMEOUT_MS, 30_000, 1), number(props, DEFAULT_API_TIMEOUT_MS, 60_000, 1),
            oneOf(props, GROUP_REMOTE_ASSIGNOR, "sticky", ASSIGNORS),
            (int) number(props, MAX_POLL_INTERVAL_MS, 300_000, 1));
    }

    private static String string(final Map<String, ?> props, final String key, final String def) {
        final Object v = props.get(key);
        return v == null ? def : v.toString().trim();
    }

    private static String oneOf(final Map<String, ?> props, final String key, final String def,
                                final Set<String> allowed) {
        final String v = string(props, key, def).toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new IllegalArgumentException(key + " must be one of " + allowed + ", not '" + v + "'");
        }
        return v;
    }

    private static boolean bool(final Map<String, ?> props, final String key, final boolean def) {
        final String v = string(props, key, Boolean.toString(def)).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false, not '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static long number(final Map<String, ?> props, final String key, final long def, final long min) {
        final String v = string(props, key, Long.toString(def));
        final long n;
        try {
            n = Long.parseLong(v);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not '" + v + "'", e);
        }
        if (n < min || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + Integer.MAX_VALUE
                + ", not " + n);
        }
        return n;
    }

    /** @return true when the consumer is in a group (commits and subscribe allowed) */
    public boolean hasGroup() {
        return !groupId.isEmpty();
    }
}
