package dev.ferry.replication;

/** When a produce request completes, as Kafka's {@code acks}. */
public enum Acks {
    /** At once: the request was handed to the leader; nothing is confirmed. */
    NONE,
    /** When the leader has appended the batches to its own log (not yet committed). */
    LEADER,
    /** When the batches are committed: a majority of replicas has them (and fsynced, under FSYNC durability). */
    ALL
}
