package dev.ferry.client.admin;

/** Where a node is in its life, as the controller sees it. */
public enum NodeState {
    /** Registered and heartbeating. */
    ALIVE,
    /** Registered, heartbeat expired: no new replicas are placed there. */
    FENCED,
    /** Its replicas are being moved away. */
    DECOMMISSIONING,
    /** Holds no replicas any more and may be shut down. */
    DECOMMISSIONED,
    /** A state this client does not know (a newer node). */
    UNKNOWN
}
