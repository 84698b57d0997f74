package dev.ferry.node.group;

/**
 * The states of a consumer group, as in KIP-848. Shown by ListGroups and DescribeGroups.
 */
public enum GroupState {
    /** No members (the group may still have committed offsets). */
    EMPTY,
    /** The group epoch moved past the target assignment's epoch: a new target is being computed. */
    ASSIGNING,
    /** A target exists, but some members do not own exactly their target yet. */
    RECONCILING,
    /** Every member owns exactly its target at the target's epoch. */
    STABLE,
    /** Deleted, or not coordinated here. */
    DEAD
}
