package dev.ferry.node.server;

import dev.ferry.log.LogConfig;
import dev.ferry.replication.Durability;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.ferry.node.server.ConfigKey.intKey;
import static dev.ferry.node.server.ConfigKey.longKey;
import static dev.ferry.node.server.NodeConfig.ADVERTISED_HOST;
import static dev.ferry.node.server.NodeConfig.CONNECTIONS_MAX_IDLE_MS;
import static dev.ferry.node.server.NodeConfig.CONTROLLER_PORT;
import static dev.ferry.node.server.NodeConfig.CONTROLLER_VOTERS;
import static dev.ferry.node.server.NodeConfig.DATA_DIR;
import static dev.ferry.node.server.NodeConfig.DEFAULT_REPLICATION_FACTOR;
import static dev.ferry.node.server.NodeConfig.DURABILITY;
import static dev.ferry.node.server.NodeConfig.GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS;
import static dev.ferry.node.server.NodeConfig.GROUP_CONSUMER_SESSION_TIMEOUT_MS;
import static dev.ferry.node.server.NodeConfig.LISTENER_HOST;
import static dev.ferry.node.server.NodeConfig.LISTENER_PORT;
import static dev.ferry.node.server.NodeConfig.LOG_PREFIX;
import static dev.ferry.node.server.NodeConfig.MAX_CONNECTIONS;
import static dev.ferry.node.server.NodeConfig.MAX_INFLIGHT_REQUESTS_PER_CONNECTION;
import static dev.ferry.node.server.NodeConfig.METRICS_PORT;
import static dev.ferry.node.server.NodeConfig.NETWORK_IO_THREADS;
import static dev.ferry.node.server.NodeConfig.NODE_HEARTBEAT_INTERVAL_MS;
import static dev.ferry.node.server.NodeConfig.NODE_ID;
import static dev.ferry.node.server.NodeConfig.NODE_RACK;
import static dev.ferry.node.server.NodeConfig.NODE_SESSION_TIMEOUT_MS;
import static dev.ferry.node.server.NodeConfig.NUM_PARTITIONS;
import static dev.ferry.node.server.NodeConfig.OFFSETS_TOPIC_NUM_PARTITIONS;
import static dev.ferry.node.server.NodeConfig.OFFSETS_TOPIC_REPLICATION_FACTOR;
import static dev.ferry.node.server.NodeConfig.RAFT_ELECTION_TIMEOUT_MAX_MS;
import static dev.ferry.node.server.NodeConfig.RAFT_ELECTION_TIMEOUT_MIN_MS;
import static dev.ferry.node.server.NodeConfig.RAFT_PORT;
import static dev.ferry.node.server.NodeConfig.RAFT_SNAPSHOT_ENTRIES;
import static dev.ferry.node.server.NodeConfig.SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_MS;
import static dev.ferry.node.server.NodeConfig.SOCKET_MAX_FRAME_BYTES;

/**
 * The table of node properties, in documentation order: the node's own keys, then every partition-log setting
 * of {@link LogConfig} under a {@code log.} prefix (derived from LogConfig, so a new log setting appears here
 * without an edit).
 */
final class NodeConfigKeys {
    static final String REQUIRED = "required";
    private static final int MAX = Integer.MAX_VALUE;
    private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();
    /** Keys without a default: the node cannot guess them. */
    static final Set<String> REQUIRED_KEYS = Set.of(NODE_ID, DATA_DIR, CONTROLLER_VOTERS);

    static {
        add(intKey(NODE_ID, null, REQUIRED, 0, MAX, "this node's id, unique in the cluster"));
        add(ConfigKey.of(NODE_RACK, "string", "", "\"\" (none)", "any string without spaces",
            "rack or zone; replica placement spreads each partition over racks when nodes declare one",
            raw -> token(NODE_RACK, raw, true)));
        add(ConfigKey.of(DATA_DIR, "path", null, REQUIRED, "a directory path",
            "where partition logs, Raft logs and metadata are stored", raw -> path(DATA_DIR, raw)));
        add(host(LISTENER_HOST, "0.0.0.0", "address the client port binds to; 0.0.0.0 binds every interface"));
        add(port(LISTENER_PORT, 9092, 0, "client protocol port; 0 picks a free port (tests)"));
        add(ConfigKey.of(ADVERTISED_HOST, "host", null, "listener.host, or 127.0.0.1 when that is 0.0.0.0 or ::",
            "a host name or address", "host other nodes and clients reach this node on (metadata, Raft peers)",
            raw -> token(ADVERTISED_HOST, raw, false)));
        add(port(RAFT_PORT, 9093, 1, "gRPC port of the partition Raft groups"));
        add(port(CONTROLLER_PORT, 9094, 1,
            "gRPC port of the metadata Raft group; a voter's must equal its entry in controller.voters"));
        add(ConfigKey.of(CONTROLLER_VOTERS, "voter list", null, REQUIRED,
            "1, 3 or 5 entries id@host:port, comma-separated, distinct ids",
            "voters of the metadata Raft group; this node is a voter iff its node.id is listed",
            raw -> ControllerVoter.parseList(CONTROLLER_VOTERS, raw)));
        add(port(METRICS_PORT, 9644, 0, "HTTP port of /metrics and /health; 0 picks a free port"));
        add(ConfigKey.of(DURABILITY, "enum", "replicated", "replicated", "replicated, fsync",
            "when a write is acknowledged: replicated = in a majority's page cache, fsync = fsynced by a majority",
            NodeConfigKeys::durability));
        add(intKey(SOCKET_MAX_FRAME_BYTES, 100 << 20, 1024, MAX,
            "largest request frame accepted; larger frames close the connection"));
        add(intKey(MAX_INFLIGHT_REQUESTS_PER_CONNECTION, 16, 1, 10_000,
            "requests of one connection handled at once; reading pauses beyond"));
        add(longKey(CONNECTIONS_MAX_IDLE_MS, 600_000, 100, Long.MAX_VALUE,
            "close a connection with no request for this long"));
        add(intKey(MAX_CONNECTIONS, 10_000, 1, MAX, "client connections accepted at once; more are closed"));
        add(intKey(NETWORK_IO_THREADS, null, "2 x available processors", 1, 1024, "Netty event-loop threads"));
        add(intKey(RAFT_ELECTION_TIMEOUT_MIN_MS, 750, 50, MAX,
            "lower end of the Raft election timeout; heartbeats go out at about half of it"));
        add(intKey(RAFT_ELECTION_TIMEOUT_MAX_MS, 1500, 51, MAX,
            "upper end of the Raft election timeout; must be above the minimum"));
        add(longKey(RAFT_SNAPSHOT_ENTRIES, 10_000, 1, Long.MAX_VALUE,
            "checkpoint a partition and purge its Raft log every this many entries"));
        add(intKey(NUM_PARTITIONS, 3, 1, 100_000, "partitions of a topic created without a count"));
        add(intKey(DEFAULT_REPLICATION_FACTOR, 3, 1, 5, "replicas of a topic created without a factor"));
        add(intKey(OFFSETS_TOPIC_NUM_PARTITIONS, 8, 1, 1000,
            "partitions of the internal offsets topic; fixed once the topic exists"));
        add(intKey(OFFSETS_TOPIC_REPLICATION_FACTOR, 3, 1, 5, "replicas of the internal offsets topic"));
        add(intKey(NODE_HEARTBEAT_INTERVAL_MS, 500, 10, MAX, "how often a node heartbeats to the controller"));
        add(intKey(NODE_SESSION_TIMEOUT_MS, 6000, 100, MAX,
            "a node without a heartbeat for this long is fenced; must exceed the heartbeat interval"));
        add(intKey(GROUP_CONSUMER_SESSION_TIMEOUT_MS, 45_000, 100, MAX,
            "a consumer without a heartbeat for this long leaves its group"));
        add(intKey(GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS, 3000, 10, MAX,
            "heartbeat interval the coordinator gives consumers; must be below the session timeout"));
        add(longKey(SHUTDOWN_LEADERSHIP_TRANSFER_TIMEOUT_MS, 10_000, 0, Long.MAX_VALUE,
            "on SIGTERM, how long the node tries to move its leaderships away before stopping anyway"));
        for (final LogConfig.Key k : LogConfig.keys()) {
            final String name = LOG_PREFIX + k.name();
            add(ConfigKey.of(name, "long", Long.toString(k.defaultValue()), Long.toString(k.defaultValue()),
                "[" + k.min() + ", " + k.max() + "]", "topic default of " + k.name() + ": " + k.doc(),
                raw -> ConfigKey.parseLong(name, raw, k.min(), k.max())));
        }
    }

    private NodeConfigKeys() {
    }

    /** @return every key by name, in documentation order */
    static Map<String, ConfigKey> all() {
        return Collections.unmodifiableMap(KEYS);
    }

    private static void add(final ConfigKey key) {
        KEYS.put(key.name(), key);
    }

    private static ConfigKey port(final String name, final int defaultValue, final int min, final String doc) {
        return intKey(name, Integer.toString(defaultValue), Integer.toString(defaultValue), min, 65535, doc);
    }

    private static ConfigKey host(final String name, final String defaultValue, final String doc) {
        return ConfigKey.of(name, "host", defaultValue, defaultValue, "a host name or address", doc,
            raw -> token(name, raw, false));
    }

    private static String token(final String key, final String raw, final boolean mayBeEmpty) {
        final String v = raw.trim();
        if (v.isEmpty() && !mayBeEmpty) {
            throw ConfigKey.invalid(key, raw, "empty; expected a host name or address");
        }
        if (v.chars().anyMatch(Character::isWhitespace)) {
            throw ConfigKey.invalid(key, raw, "not a single word: it contains whitespace");
        }
        return v;
    }

    private static Path path(final String key, final String raw) {
        final String v = raw.trim();
        if (v.isEmpty()) {
            throw ConfigKey.invalid(key, raw, "empty; expected a directory path");
        }
        try {
            return Path.of(v);
        } catch (final InvalidPathException e) {
            throw ConfigKey.invalid(key, raw, "not a valid path: " + e.getReason());
        }
    }

    private static Durability durability(final String raw) {
        switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "replicated":
                return Durability.REPLICATED;
            case "fsync":
                return Durability.FSYNC;
            default:
                throw ConfigKey.invalid(DURABILITY, raw, "not one of: replicated, fsync");
        }
    }
}
