package dev.ferry.node.server;

import dev.ferry.log.ConfigException;
import dev.ferry.log.LogConfig;
import dev.ferry.replication.Durability;
import dev.ferry.replication.RaftTuning;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * Every property of a node, validated once at start: the one place that parses node settings.
 *
 * <p>Values come from a properties file, then environment variables ({@code FERRY_} and the key upper-cased
 * with dots as underscores, e.g. {@code FERRY_NODE_ID} for {@code node.id}), then explicit overrides; a later
 * source wins. An unknown key in the file or in the overrides is an error; environment variables that match no
 * key are ignored, since the environment holds much else. Every invalid value is a {@link ConfigException}
 * naming the key, the value and what is accepted. The keys, defaults and ranges are listed by {@link #keys()}
 * and in CONFIGURATION.md, which a test checks against {@link #keys()}.
 *
 * <p>Keys prefixed {@code log.} are the node's defaults of the partition-log settings of {@link LogConfig}
 * ({@code log.segment.bytes} is the default of a topic's {@code segment.bytes}); {@link #logConfig()} returns
 * them as a LogConfig.
 *
 * <p>Immutable and thread-safe.
 */
public final class NodeConfig {
    public static final String NODE_ID = "node.id";
    public static final String NODE_RACK = "node.rack";
    public static final String DATA_DIR = "data.dir";
    public static final String LISTENER_HOST = "listener.host";
    public static final String LISTENER_PORT = "listener.port";
    public static final String ADVERTISED_HOST = "advertised.host";
    public static final String RAFT_PORT = "raft.port";
    public static final String CONTROLLER_PORT = "controller.port";
    public static final String CONTROLLER_VOTERS = "controller.voters";
    public static final String METRICS_PORT = "metrics.port";
    public static final String DURABILITY = "durability";
    public static final String SOCKET_MAX_FRAME_BYTES = "socket.max.frame.bytes";
    public static final String MAX_INFLIGHT_REQUESTS_PER_CONNECTION = "max.inflight.requests.per.connection";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String NETWORK_IO_THREADS = "network.io.threads";
    public static final String RAFT_ELECTION_TIMEOUT_MIN_MS = "raft.election.timeout.min.ms";
    public static final String RAFT_ELECTION_TIMEOUT_MAX_MS = "raft.election.timeout.max.ms";
    public static final String RAFT_SNAPSHOT_ENTRIES = "raft.snapshot.entries";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String NODE_HEARTBEAT_INTERVAL_MS = "node.heartbeat.interval.ms";
    public static final String NODE_SESSION_TIMEOUT_MS = "node.session.timeout.ms";
    public static final String GROUP_CONSUMER_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_MS = "shutdown.leadership.transfer.timeout.ms";
    /** Prefix of the node-wide defaults of {@link LogConfig}'s keys. */
    public static final String LOG_PREFIX = "log.";

    /** Smallest Raft entry size {@link RaftTuning} accepts; entries grow to log.max.batch.bytes beyond it. */
    private static final int MIN_RAFT_ENTRY_BYTES = 64 << 10;

    private final Map<String, Object> values;
    private final LogConfig logConfig;
    private final RaftTuning raftTuning;
    private final List<ControllerVoter> voters;

    private NodeConfig(final Map<String, Object> values, final LogConfig logConfig) {
        this.values = Collections.unmodifiableMap(values);
        this.logConfig = logConfig;
        this.voters = List.copyOf(voters(values));
        this.raftTuning = new RaftTuning(intValue(RAFT_ELECTION_TIMEOUT_MIN_MS), intValue(RAFT_ELECTION_TIMEOUT_MAX_MS),
            Math.max(MIN_RAFT_ENTRY_BYTES, logConfig.maxBatchBytes()), (Long) values.get(RAFT_SNAPSHOT_ENTRIES),
            RaftTuning.DEFAULTS.raftLogSegmentBytes());
    }

    /** @return every key with its type, default, accepted values and meaning, in documentation order */
    public static List<ConfigKey> keys() {
        return List.copyOf(NodeConfigKeys.all().values());
    }

    /**
     * Reads the configuration a node starts with.
     *
     * @param file a properties file (UTF-8), or null for none
     * @param env the environment, usually {@code System.getenv()}
     * @return the validated configuration
     * @throws ConfigException for an unreadable file, an unknown key in it, a missing required key or an invalid
     *                         value; the message names the key and the value
     */
    public static NodeConfig load(final Path file, final Map<String, String> env) {
        return load(file, env, Map.of());
    }

    /**
     * @param file a properties file (UTF-8), or null for none
     * @param env the environment; overrides the file
     * @param overrides explicit values (tests); override the file and the environment
     * @return the validated configuration
     * @throws ConfigException see {@link #load(Path, Map)}
     */
    public static NodeConfig load(final Path file, final Map<String, String> env,
                                  final Map<String, String> overrides) {
        final Map<String, String> raw = new LinkedHashMap<>();
        final Map<String, String> sources = new LinkedHashMap<>();
        if (file != null) {
            checkKnown(readFile(file), "in file " + file).forEach((k, v) -> {
                raw.put(k, v);
                sources.put(k, "file " + file);
            });
        }
        for (final String key : NodeConfigKeys.all().keySet()) {
            final String v = env.get(ConfigKey.envVar(key));
            if (v != null) {
                raw.put(key, v);
                sources.put(key, "environment variable " + ConfigKey.envVar(key));
            }
        }
        checkKnown(overrides, "in overrides").forEach((k, v) -> {
            raw.put(k, v);
            sources.put(k, "overrides");
        });
        return build(raw, sources);
    }

    /**
     * @param properties key to raw value, as in a properties file
     * @return the validated configuration
     * @throws ConfigException for an unknown key, a missing required key or an invalid value
     */
    public static NodeConfig from(final Map<String, String> properties) {
        return build(checkKnown(properties, ""), Map.of());
    }

    private static Map<String, String> readFile(final Path file) {
        final Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (final IOException | IllegalArgumentException e) {
            throw new ConfigException("cannot read config file=" + file + ": " + e);
        }
        final Map<String, String> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static Map<String, String> checkKnown(final Map<String, String> raw, final String where) {
        for (final String key : raw.keySet()) {
            if (!NodeConfigKeys.all().containsKey(key)) {
                throw new ConfigException("unknown config key=" + key + (where.isEmpty() ? "" : " " + where)
                    + "; known keys: " + new TreeSet<>(NodeConfigKeys.all().keySet()));
            }
        }
        return raw;
    }

    private static NodeConfig build(final Map<String, String> raw, final Map<String, String> sources) {
        final Map<String, Object> values = new LinkedHashMap<>();
        final Map<String, Long> logOverrides = new LinkedHashMap<>();
        for (final ConfigKey key : NodeConfigKeys.all().values()) {
            final String v = raw.containsKey(key.name()) ? raw.get(key.name()) : key.defaultValue();
            if (v == null) {
                if (NodeConfigKeys.REQUIRED_KEYS.contains(key.name())) {
                    throw new ConfigException("missing required config key=" + key.name() + " (" + key.doc()
                        + "; expected " + key.allowed() + "; environment variable " + key.envVar() + ")");
                }
                continue;
            }
            final Object parsed;
            try {
                parsed = key.parse(v);
            } catch (final ConfigException e) {
                final String source = sources.get(key.name());
                throw source == null ? e : new ConfigException(e.getMessage() + " (set in " + source + ")");
            }
            if (key.name().startsWith(LOG_PREFIX)) {
                logOverrides.put(key.name().substring(LOG_PREFIX.length()), (Long) parsed);
            }
            values.put(key.name(), parsed);
        }
        deriveDefaults(values);
        checkConsistent(values);
        final LogConfig logConfig = LogConfig.from(logOverrides);
        final int frame = (Integer) values.get(SOCKET_MAX_FRAME_BYTES);
        if (frame <= logConfig.maxBatchBytes()) {
            throw new ConfigException("invalid value for " + SOCKET_MAX_FRAME_BYTES + ": value=" + frame
                + " must exceed " + LOG_PREFIX + LogConfig.MAX_BATCH_BYTES + "=" + logConfig.maxBatchBytes()
                + " so that a request carrying one largest batch fits in a frame");
        }
        final Map<String, Object> ordered = new LinkedHashMap<>();
        NodeConfigKeys.all().keySet().forEach(k -> ordered.put(k, values.get(k)));
        return new NodeConfig(ordered, logConfig);
    }

    private static void deriveDefaults(final Map<String, Object> values) {
        if (!values.containsKey(ADVERTISED_HOST)) {
            final String listener = (String) values.get(LISTENER_HOST);
            values.put(ADVERTISED_HOST, isWildcard(listener) ? "127.0.0.1" : listener);
        }
        // Two event loops per core: one core's worth of loops blocks on sendfile while the other serves.
        values.putIfAbsent(NETWORK_IO_THREADS, Math.min(1024, 2 * Runtime.getRuntime().availableProcessors()));
    }

    private static boolean isWildcard(final String host) {
        return "0.0.0.0".equals(host) || "::".equals(host) || "[::]".equals(host);
    }

    private static void checkConsistent(final Map<String, Object> values) {
        requireLess(values, RAFT_ELECTION_TIMEOUT_MIN_MS, RAFT_ELECTION_TIMEOUT_MAX_MS);
        requireLess(values, NODE_HEARTBEAT_INTERVAL_MS, NODE_SESSION_TIMEOUT_MS);
        requireLess(values, GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, GROUP_CONSUMER_SESSION_TIMEOUT_MS);
        final int nodeId = (Integer) values.get(NODE_ID);
        final int controllerPort = (Integer) values.get(CONTROLLER_PORT);
        for (final ControllerVoter v : voters(values)) {
            if (v.id() == nodeId && v.port() != controllerPort) {
                throw new ConfigException("invalid value for " + CONTROLLER_PORT + ": value=" + controllerPort
                    + " differs from this node's entry " + v + " in " + CONTROLLER_VOTERS
                    + "; a voter binds the port its entry lists");
            }
        }
        final Map<Integer, String> ports = new LinkedHashMap<>();
        for (final String key : List.of(LISTENER_PORT, RAFT_PORT, CONTROLLER_PORT, METRICS_PORT)) {
            final int port = (Integer) values.get(key);
            final String other = port == 0 ? null : ports.putIfAbsent(port, key);
            if (other != null) {
                throw new ConfigException("invalid value for " + key + ": value=" + port + " is also " + other
                    + "; each port of a node must differ");
            }
        }
    }

    private static void requireLess(final Map<String, Object> values, final String lowKey, final String highKey) {
        final long low = ((Number) values.get(lowKey)).longValue();
        final long high = ((Number) values.get(highKey)).longValue();
        if (low >= high) {
            throw new ConfigException("invalid value for " + lowKey + ": value=" + low + " must be below "
                + highKey + "=" + high);
        }
    }

    private static List<ControllerVoter> voters(final Map<String, Object> values) {
        final List<ControllerVoter> out = new ArrayList<>();
        for (final Object o : (List<?>) values.get(CONTROLLER_VOTERS)) {
            out.add((ControllerVoter) o);
        }
        return out;
    }

    private int intValue(final String key) {
        return (Integer) values.get(key);
    }

    private long longValue(final String key) {
        return ((Number) values.get(key)).longValue();
    }

    /** @return node.id */
    public int nodeId() {
        return intValue(NODE_ID);
    }

    /** @return node.id as a Ratis peer id */
    public String peerId() {
        return Integer.toString(nodeId());
    }

    /** @return node.rack; empty when the node declares none */
    public String rack() {
        return (String) values.get(NODE_RACK);
    }

    /** @return data.dir */
    public Path dataDir() {
        return (Path) values.get(DATA_DIR);
    }

    /** @return listener.host: the address the client port binds to */
    public String listenerHost() {
        return (String) values.get(LISTENER_HOST);
    }

    /** @return listener.port; 0 for a free port */
    public int listenerPort() {
        return intValue(LISTENER_PORT);
    }

    /** @return advertised.host, or the derived default */
    public String advertisedHost() {
        return (String) values.get(ADVERTISED_HOST);
    }

    /** @return raft.port: gRPC port of the partition Raft groups */
    public int raftPort() {
        return intValue(RAFT_PORT);
    }

    /** @return advertised.host:raft.port, this node's address in the partition Raft groups */
    public String raftAddress() {
        return advertisedHost() + ":" + raftPort();
    }

    /** @return controller.port: gRPC port of the metadata Raft group */
    public int controllerPort() {
        return intValue(CONTROLLER_PORT);
    }

    /** @return controller.voters, in the order listed */
    public List<ControllerVoter> voters() {
        return voters;
    }

    /** @return whether node.id is listed in controller.voters */
    public boolean isVoter() {
        final int id = nodeId();
        return voters.stream().anyMatch(v -> v.id() == id);
    }

    /** @return metrics.port; 0 for a free port */
    public int metricsPort() {
        return intValue(METRICS_PORT);
    }

    /** @return durability */
    public Durability durability() {
        return (Durability) values.get(DURABILITY);
    }

    /** @return socket.max.frame.bytes */
    public int socketMaxFrameBytes() {
        return intValue(SOCKET_MAX_FRAME_BYTES);
    }

    /** @return max.inflight.requests.per.connection */
    public int maxInflightRequestsPerConnection() {
        return intValue(MAX_INFLIGHT_REQUESTS_PER_CONNECTION);
    }

    /** @return connections.max.idle.ms */
    public long connectionsMaxIdleMs() {
        return longValue(CONNECTIONS_MAX_IDLE_MS);
    }

    /** @return max.connections */
    public int maxConnections() {
        return intValue(MAX_CONNECTIONS);
    }

    /** @return network.io.threads, or 2 x available processors */
    public int networkIoThreads() {
        return intValue(NETWORK_IO_THREADS);
    }

    /**
     * @return the Raft settings: election timeouts and snapshot interval from this configuration, entries as large
     *         as log.max.batch.bytes (at least 64 KiB), Ratis log segments at their default
     */
    public RaftTuning raftTuning() {
        return raftTuning;
    }

    /** @return num.partitions */
    public int numPartitions() {
        return intValue(NUM_PARTITIONS);
    }

    /** @return default.replication.factor */
    public int defaultReplicationFactor() {
        return intValue(DEFAULT_REPLICATION_FACTOR);
    }

    /** @return offsets.topic.num.partitions */
    public int offsetsTopicNumPartitions() {
        return intValue(OFFSETS_TOPIC_NUM_PARTITIONS);
    }

    /** @return offsets.topic.replication.factor */
    public int offsetsTopicReplicationFactor() {
        return intValue(OFFSETS_TOPIC_REPLICATION_FACTOR);
    }

    /** @return node.heartbeat.interval.ms */
    public int nodeHeartbeatIntervalMs() {
        return intValue(NODE_HEARTBEAT_INTERVAL_MS);
    }

    /** @return node.session.timeout.ms */
    public int nodeSessionTimeoutMs() {
        return intValue(NODE_SESSION_TIMEOUT_MS);
    }

    /** @return group.consumer.session.timeout.ms */
    public int groupConsumerSessionTimeoutMs() {
        return intValue(GROUP_CONSUMER_SESSION_TIMEOUT_MS);
    }

    /** @return group.consumer.heartbeat.interval.ms */
    public int groupConsumerHeartbeatIntervalMs() {
        return intValue(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS);
    }

    /** @return shutdown.leadership.transfer.timeout.ms */
    public long shutdownLeadershipTransferTimeoutMs() {
        return longValue(SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_MS);
    }

    /** @return the log.* keys as the partition-log defaults of this node */
    public LogConfig logConfig() {
        return logConfig;
    }

    /** @return every key with its effective value as text, in documentation order (for the start-up log) */
    public Map<String, String> describe() {
        final Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, text(v)));
        return out;
    }

    private static String text(final Object v) {
        if (v instanceof Durability) {
            return ((Durability) v).name().toLowerCase(Locale.ROOT);
        }
        if (v instanceof List) {
            final List<String> parts = new ArrayList<>();
            ((List<?>) v).forEach(o -> parts.add(o.toString()));
            return String.join(",", parts);
        }
        return String.valueOf(v);
    }

    @Override
    public String toString() {
        return "NodeConfig" + describe();
    }
}
