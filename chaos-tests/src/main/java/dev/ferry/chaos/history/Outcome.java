package dev.ferry.chaos.history;

/**
 * How a send ended, as the producer saw it. Only an acknowledgement is a promise; a definite failure promises the
 * record was not written; an unknown outcome (a timeout, a connection lost after the request left) promises
 * nothing, so the record may be present once or not at all.
 */
public enum Outcome {
    /** The cluster acknowledged the record at an offset: it must never be lost. */
    ACKNOWLEDGED,
    /** The cluster refused the record: it must never be read. */
    FAILED,
    /** The producer could not tell (timeout, lost connection): the record may be present at most once. */
    UNKNOWN
}
