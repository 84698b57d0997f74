package dev.ferry.chaos.history;

/**
 * The kinds of fault a nemesis applies. The kind decides whether the checker measures unavailability after it:
 * only faults that take leaders away (a killed node, a killed leader) have a time-to-next-acknowledged-write.
 */
public enum FaultKind {
    /** kill -9 of a node. */
    NODE_KILL(true),
    /** kill -9 of the node leading a partition. */
    LEADER_KILL(true),
    /** A node paused (SIGSTOP / docker pause) and resumed. */
    NODE_PAUSE(false),
    /** The network split: one node isolated, a majority/minority split, or a bridge. */
    NETWORK_PARTITION(false),
    /** Every node restarted at once. */
    RESTART_ALL(false),
    /** Leadership transfers, one or a storm. */
    LEADERSHIP_TRANSFER(false),
    /** A replica added or removed under load. */
    MEMBERSHIP_CHANGE(false),
    /** A node's disk filled. */
    DISK_FULL(false),
    /** A minority lost the data it had not fsynced. */
    UNSYNCED_LOSS(false),
    /** Bytes flipped or a segment truncated on one replica. */
    DATA_CORRUPTION(false),
    /** Anything else; named by the fault's name. */
    OTHER(false);

    private final boolean takesLeadersAway;

    FaultKind(final boolean takesLeadersAway) {
        this.takesLeadersAway = takesLeadersAway;
    }

    /** @return whether the checker measures the time from this fault to the next acknowledged write */
    public boolean takesLeadersAway() {
        return takesLeadersAway;
    }
}
