package dev.ferry.node.controller;

import java.nio.file.Path;
import java.util.Map;

/**
 * Settings of the metadata controller, validated once at construction (the node's config class maps its
 * properties onto this). Immutable.
 *
 * @param nodeId this node's id
 * @param voters the controller quorum: node id to host:port of its controller Raft server
 *               ({@link MetadataQuorum#parseVoters})
 * @param dataDir the node's data directory; the controller keeps its Raft log under {@code dataDir/controller}
 * @param sessionTimeoutMs a node whose heartbeats stop this long is fenced
 * @param electionTimeoutMinMs controller Raft election timeout, lower bound
 * @param electionTimeoutMaxMs controller Raft election timeout, upper bound
 * @param snapshotEntries snapshot the image and purge the metadata log every this many entries
 * @param offsetsPartitions partitions of {@code __consumer_offsets}
 * @param offsetsReplicationFactor wanted replicas of {@code __consumer_offsets} (capped at the alive nodes)
 * @param defaultPartitions partitions of a topic created with 0
 * @param defaultReplicationFactor replicas of a topic created with 0
 * @param requestTimeoutMs how long a controller request (including retries through elections) may take
 */
public record ControllerConfig(int nodeId, Map<Integer, String> voters, Path dataDir, long sessionTimeoutMs,
                               int electionTimeoutMinMs, int electionTimeoutMaxMs, long snapshotEntries,
                               int offsetsPartitions, int offsetsReplicationFactor, int defaultPartitions,
                               int defaultReplicationFactor, int requestTimeoutMs) {
    /** Defaults: 3-node sessions of 9 s (Kafka's broker.session.timeout.ms), 1-2 s elections. */
    public static final long DEFAULT_SESSION_TIMEOUT_MS = 9_000;
    /** Kafka's offsets.topic.num.partitions. */
    public static final int DEFAULT_OFFSETS_PARTITIONS = 50;
    /** Kafka's offsets.topic.replication.factor. */
    public static final int DEFAULT_OFFSETS_REPLICATION_FACTOR = 3;

    /**
     * @throws IllegalArgumentException naming the setting when a value is out of range
     */
    public ControllerConfig {
        voters = Map.copyOf(voters);
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("controller.voters must name at least one voter");
        }
        require(sessionTimeoutMs >= 100, "controller.session.timeout.ms", sessionTimeoutMs, ">= 100");
        require(electionTimeoutMinMs >= 50 && electionTimeoutMaxMs > electionTimeoutMinMs,
            "controller.election.timeout.ms", electionTimeoutMinMs + ".." + electionTimeoutMaxMs, "50 <= min < max");
        require(snapshotEntries >= 1, "controller.snapshot.entries", snapshotEntries, ">= 1");
        require(offsetsPartitions >= 1, "offsets.topic.num.partitions", offsetsPartitions, ">= 1");
        require(offsetsReplicationFactor >= 1, "offsets.topic.replication.factor", offsetsReplicationFactor, ">= 1");
        require(defaultPartitions >= 1, "num.partitions", defaultPartitions, ">= 1");
        require(defaultReplicationFactor >= 1, "default.replication.factor", defaultReplicationFactor, ">= 1");
        require(requestTimeoutMs >= 100, "controller.request.timeout.ms", requestTimeoutMs, ">= 100");
    }

    /**
     * Production defaults for everything but the identity.
     *
     * @param nodeId this node
     * @param voters the quorum
     * @param dataDir the node's data directory
     * @return the config
     */
    public static ControllerConfig defaults(final int nodeId, final Map<Integer, String> voters, final Path dataDir) {
        return new ControllerConfig(nodeId, voters, dataDir, DEFAULT_SESSION_TIMEOUT_MS, 750, 1500, 10_000,
            DEFAULT_OFFSETS_PARTITIONS, DEFAULT_OFFSETS_REPLICATION_FACTOR, 1, 1, 30_000);
    }

    /** @return true when this node is a controller voter */
    public boolean isVoter() {
        return voters.containsKey(nodeId);
    }

    /** @return where the controller's Raft storage lives */
    public Path controllerDir() {
        return dataDir.resolve("controller");
    }

    private static void require(final boolean ok, final String key, final Object value, final String rule) {
        if (!ok) {
            throw new IllegalArgumentException("invalid " + key + "=" + value + ": must be " + rule);
        }
    }
}
