package dev.ferry.client.consumer;

import java.util.HashSet;
import java.util.Set;

/** What a consumer tracks for one assigned partition. Used on the consumer's thread only. */
final class PartitionState {
    /** The next offset to return; -1 until known (committed offset or reset). */
    long position = -1;
    boolean paused;
    /** The high watermark from the last fetch, -1 before one. */
    long highWatermark = -1;
    /** True when the position must come from auto.offset.reset, not the committed offset. */
    boolean reset;
    /** -2 earliest, -1 latest, 0 committed offset then auto.offset.reset. */
    long resetTo;
    /** Nodes that failed a fetch of this partition; cleared when every replica has failed. */
    final Set<Integer> avoid = new HashSet<>();
}
