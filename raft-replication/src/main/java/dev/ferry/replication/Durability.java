package dev.ferry.replication;

/**
 * When a write is acknowledged, per topic.
 *
 * <p>Ratis settings are per server, so a node runs one Raft server per durability it hosts.
 */
public enum Durability {
    /**
     * Kafka-like: acknowledged when a majority has the batch in its page cache; data reaches disk through the
     * log's flush policy in the background. Survives the loss of a minority of machines, not a power cut of a
     * majority.
     */
    REPLICATED,
    /**
     * Acknowledged when a majority has fsynced the batch (and the Raft entry); many batches share one fsync
     * (group commit). Survives the loss of power of every machine.
     */
    FSYNC
}
