package dev.ferry.replication;

/**
 * An idempotent producer retried a batch this replica has written but not yet committed. Answering with the
 * stored offsets would acknowledge records that a new leader may still truncate, so the retry is refused
 * until the batch is committed (or truncated and then appended afresh). Retriable. Immutable.
 */
public final class UncommittedDuplicateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message the partition, producer, sequences, offsets and high watermark */
    public UncommittedDuplicateException(final String message) {
        super(message);
    }
}
