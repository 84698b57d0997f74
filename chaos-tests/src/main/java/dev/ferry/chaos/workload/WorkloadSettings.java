package dev.ferry.chaos.workload;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link ChaosWorkload} runs: the topic, how many producers write how fast, who reads, and client timeouts
 * short enough that a dead node costs seconds, not the clients' default minutes (a send still unresolved after
 * {@code deliveryTimeoutMs} is recorded as an unknown outcome).
 *
 * <p>Immutable.
 *
 * @param topic the topic, created if missing
 * @param partitions its partition count, when created here
 * @param replicationFactor its replication factor when created here; 0 for min(3, live nodes)
 * @param producers idempotent producers, each its own client and thread
 * @param recordsPerSecond the rate of each producer
 * @param valueBytes the size of each value (id, filler and CRC; at least the id and CRC)
 * @param groupId the consumer group of the members
 * @param groupMembers members of the group, each its own consumer and thread; 0 for none
 * @param readers standalone readers (assigned every partition, from the beginning); 0 for none
 * @param readerRacks client.rack of reader i is {@code readerRacks[i % size]}, so it reads from a follower when
 *     nodes have racks; empty for none
 * @param commitEveryRecords a member commits after processing this many records (and when idle)
 * @param requestTimeoutMs request.timeout.ms of every client
 * @param deliveryTimeoutMs the producers' delivery.timeout.ms: the longest a send's outcome stays open
 * @param maxBlockMs the producers' max.block.ms (metadata, producer id, buffer memory)
 * @param apiTimeoutMs default.api.timeout.ms of consumers and the admin (commits, offset lookups)
 * @param progressIntervalMs how often the one-line progress summary is logged; 0 for never
 */
public record WorkloadSettings(String topic, int partitions, int replicationFactor, int producers,
                               int recordsPerSecond, int valueBytes, String groupId, int groupMembers, int readers,
                               List<String> readerRacks, int commitEveryRecords, int requestTimeoutMs,
                               int deliveryTimeoutMs, int maxBlockMs, int apiTimeoutMs, int progressIntervalMs) {
    /** Validates every value and copies the racks; the message names the bad setting and its value. */
    public WorkloadSettings {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(groupId, "groupId");
        readerRacks = List.copyOf(readerRacks);
        if (topic.isBlank() || groupId.isBlank()) {
            throw invalid("topic/groupId", topic + "/" + groupId, "must not be blank");
        }
        atLeast("partitions", partitions, 1);
        atLeast("replicationFactor", replicationFactor, 0);
        atLeast("producers", producers, 0);
        atLeast("recordsPerSecond", recordsPerSecond, 1);
        atLeast("valueBytes", valueBytes, 0);
        atLeast("groupMembers", groupMembers, 0);
        atLeast("readers", readers, 0);
        atLeast("commitEveryRecords", commitEveryRecords, 1);
        atLeast("requestTimeoutMs", requestTimeoutMs, 1);
        atLeast("maxBlockMs", maxBlockMs, 0);
        atLeast("apiTimeoutMs", apiTimeoutMs, 1);
        atLeast("progressIntervalMs", progressIntervalMs, 0);
        if (deliveryTimeoutMs < requestTimeoutMs) {
            throw invalid("deliveryTimeoutMs", deliveryTimeoutMs, "must be at least requestTimeoutMs="
                + requestTimeoutMs);
        }
    }

    /**
     * The defaults: 6 partitions, 3 producers at 200 records/s of 100 bytes, 3 group members committing every 50
     * records, 1 standalone reader, request timeout 5 s, delivery timeout 30 s.
     *
     * @param topic the topic
     * @return the default settings for that topic (group {@code chaos-<topic>})
     */
    public static WorkloadSettings defaults(final String topic) {
        return new WorkloadSettings(topic, 6, 0, 3, 200, 100, "chaos-" + topic, 3, 1, List.of(), 50, 5_000,
            30_000, 10_000, 10_000, 5_000);
    }

    /**
     * @param count producers
     * @param perSecond records per second of each
     * @return these settings with that many producers at that rate
     */
    public WorkloadSettings withProducers(final int count, final int perSecond) {
        return new WorkloadSettings(topic, partitions, replicationFactor, count, perSecond, valueBytes, groupId,
            groupMembers, readers, readerRacks, commitEveryRecords, requestTimeoutMs, deliveryTimeoutMs, maxBlockMs,
            apiTimeoutMs, progressIntervalMs);
    }

    /**
     * @param members group members
     * @param standalone standalone readers
     * @param racks their client.rack values (reader i takes {@code racks[i % size]}); empty for none
     * @return these settings with those readers
     */
    public WorkloadSettings withReaders(final int members, final int standalone, final List<String> racks) {
        return new WorkloadSettings(topic, partitions, replicationFactor, producers, recordsPerSecond, valueBytes,
            groupId, members, standalone, racks, commitEveryRecords, requestTimeoutMs, deliveryTimeoutMs, maxBlockMs,
            apiTimeoutMs, progressIntervalMs);
    }

    /**
     * @param count partitions of the topic
     * @param factor its replication factor; 0 for min(3, live nodes)
     * @return these settings with that topic layout
     */
    public WorkloadSettings withPartitions(final int count, final int factor) {
        return new WorkloadSettings(topic, count, factor, producers, recordsPerSecond, valueBytes, groupId,
            groupMembers, readers, readerRacks, commitEveryRecords, requestTimeoutMs, deliveryTimeoutMs, maxBlockMs,
            apiTimeoutMs, progressIntervalMs);
    }

    /**
     * @param request request.timeout.ms of every client
     * @param delivery the producers' delivery.timeout.ms
     * @param api default.api.timeout.ms of consumers and the admin
     * @return these settings with those timeouts
     */
    public WorkloadSettings withTimeouts(final int request, final int delivery, final int api) {
        return new WorkloadSettings(topic, partitions, replicationFactor, producers, recordsPerSecond, valueBytes,
            groupId, groupMembers, readers, readerRacks, commitEveryRecords, request, delivery, maxBlockMs, api,
            progressIntervalMs);
    }

    /** @return the client.rack of standalone reader {@code i}, or null when no racks are set */
    String readerRack(final int i) {
        return readerRacks.isEmpty() ? null : readerRacks.get(i % readerRacks.size());
    }

    private static void atLeast(final String name, final long value, final long min) {
        if (value < min) {
            throw invalid(name, value, "must be at least " + min);
        }
    }

    private static IllegalArgumentException invalid(final String name, final Object value, final String why) {
        return new IllegalArgumentException("invalid workload setting: " + name + "=" + value + " " + why);
    }
}
