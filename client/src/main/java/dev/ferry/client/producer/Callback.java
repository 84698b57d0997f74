package dev.ferry.client.producer;

/**
 * Told once when a record is acknowledged or has failed. Runs on the producer's sender thread: it must be quick
 * and must not block (hand work to another thread), or every partition's sending waits for it.
 */
@FunctionalInterface
public interface Callback {
    /**
     * @param metadata where the record was stored, or null when it failed
     * @param exception why it failed, or null on success
     */
    void onCompletion(RecordMetadata metadata, Exception exception);
}
