package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import java.util.Map;

/** Told the outcome of {@link FerryConsumer#commitAsync}, on the consumer's thread during a later call. */
@FunctionalInterface
public interface OffsetCommitCallback {
    /**
     * @param offsets the offsets the commit carried
     * @param error null on success, otherwise why it failed
     */
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception error);
}
