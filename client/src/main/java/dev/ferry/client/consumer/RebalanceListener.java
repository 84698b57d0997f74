package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import java.util.Collection;

/**
 * Told, on the consumer's thread inside {@link FerryConsumer#poll}, when the group takes partitions away or gives
 * new ones: the place to commit or save state for partitions about to move.
 */
public interface RebalanceListener {
    /** Does nothing. */
    RebalanceListener NONE = new RebalanceListener() {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions) {
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions) {
        }
    };

    /**
     * Before the partitions are given up (the consumer still owns them: commits succeed).
     *
     * @param partitions the partitions being taken away
     */
    void onPartitionsRevoked(Collection<TopicPartition> partitions);

    /** @param partitions the partitions just given to this consumer */
    void onPartitionsAssigned(Collection<TopicPartition> partitions);

    /**
     * When the consumer lost its membership (fenced or expired): other members may already own the partitions,
     * so commits for them would fail. Calls {@link #onPartitionsRevoked} unless overridden.
     *
     * @param partitions the partitions lost
     */
    default void onPartitionsLost(final Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
