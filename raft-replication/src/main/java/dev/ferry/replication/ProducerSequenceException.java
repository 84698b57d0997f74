package dev.ferry.replication;

/**
 * An idempotent producer's batch was refused: its sequence number does not follow the last stored one
 * ({@code OUT_OF_ORDER_SEQUENCE}), or its epoch is older than the producer's current one ({@code
 * PRODUCER_FENCED}: another instance took over the producer id). Not retriable as is. Immutable.
 */
public final class ProducerSequenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean fenced;

    /**
     * @param message the partition, producer id, epoch and sequences
     * @param fenced true for a fenced epoch, false for a sequence gap
     */
    public ProducerSequenceException(final String message, final boolean fenced) {
        super(message);
        this.fenced = fenced;
    }

    /** @return true when the producer's epoch was fenced, false for an out-of-order sequence */
    public boolean fenced() {
        return fenced;
    }
}
