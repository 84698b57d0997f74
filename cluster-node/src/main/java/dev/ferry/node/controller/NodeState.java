package dev.ferry.node.controller;

/** Where a registered node is in its life; only ALIVE nodes get new replicas. */
public enum NodeState {
    /** Registered and heartbeating. */
    ALIVE,
    /** Its heartbeats stopped for longer than the session timeout. */
    FENCED,
    /** Its replicas are being moved away. */
    DECOMMISSIONING,
    /** Holds no replicas any more and may be shut down. */
    DECOMMISSIONED
}
