package dev.ferry.chaos.history;

/** Who read a record; the checker treats each kind differently. */
public enum ReaderKind {
    /** A member of a consumer group: its reads count as processing for the group checks. */
    GROUP_MEMBER,
    /** A reader with assigned partitions, reading during the run. */
    STANDALONE,
    /**
     * The reader that reads every partition from the start to the end after the cluster has healed: its view is
     * the truth the other reads and the acknowledgements are checked against.
     */
    FINAL
}
