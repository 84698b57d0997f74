package dev.ferry.chaos.checker;

/**
 * What can be wrong with a history, and what one count of it means. One fault can show as several kinds (a
 * rewritten offset is both {@link #REORDERED} and {@link #DISAPPEARED}; the value it held is also
 * {@link #LOST} if it was acknowledged).
 */
public enum AnomalyKind {
    /** An acknowledged value the final reader did not find. Counted per value. */
    LOST("acknowledged but not found by the final reader"),
    /** A value read that no producer sent, or bytes too damaged to name one. Counted per value (or offset). */
    UNEXPECTED("read but never sent"),
    /** A value read whose checksum differs from the one sent. Counted per partition offset. */
    CORRUPT("read with a checksum other than the one sent"),
    /** A value found at two or more offsets. Counted per value. */
    DUPLICATE("found at more than one offset"),
    /** A value whose sends all failed definitely, found anyway. Counted per value. */
    FAILED_BUT_PRESENT("failed definitely but found"),
    /** Readers (or an acknowledgement) disagree on the value at an offset. Counted per partition offset. */
    REORDERED("different values at one offset"),
    /** A producer's acknowledged offsets on a partition do not increase with its sequence. Counted per ack. */
    OUT_OF_SEQUENCE("acknowledged offsets out of the producer's sequence"),
    /** A value read at an offset where the final reader finds another value or nothing. Counted per read value. */
    DISAPPEARED("read at an offset that later held something else or nothing"),
    /** Replicas of a partition with different digests after healing. Counted per partition. */
    DIVERGED("replicas differ after healing"),
    /** A record below a group's committed offset that no member processed. Counted per group and offset. */
    UNPROCESSED_BELOW_COMMIT("below the committed offset but never processed (at-least-once)"),
    /**
     * A record processed again although it lay below the commit made before its previous processor lost the
     * partition, or processed again with no rebalance in between. Counted per group and offset.
     */
    REPROCESSED_BELOW_COMMIT("processed again below the last commit (at-most-once past the commit)");

    private final String description;

    AnomalyKind(final String description) {
        this.description = description;
    }

    /** @return what one count of this kind means, for reports */
    public String description() {
        return description;
    }
}
