package dev.ferry.replication;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a replica that fell behind its leader's Raft log start copies committed batches from: the leader's
 * segments, read zero-copy on the leader's side. The broker implements it over its fetch protocol; tests read
 * the leader's log in process.
 *
 * <p>Implementations must be thread-safe.
 */
public interface CatchUpSource {

    /**
     * What the leader has committed, read once at the start of a copy.
     *
     * @param logStartOffset the leader's first readable offset
     * @param highWatermark the leader's high watermark (end of its last applied entry, a batch boundary)
     * @param appliedTerm term of the leader's last applied Raft entry
     * @param appliedIndex index of the leader's last applied Raft entry; its data ends at or before the high
     *                     watermark read just after it
     */
    record LeaderState(long logStartOffset, long highWatermark, long appliedTerm, long appliedIndex) {
    }

    /**
     * @param leaderNodeId the leader's node id
     * @param partition the partition
     * @return the leader's committed state
     * @throws IOException when the leader cannot be reached or does not host the partition
     */
    LeaderState leaderState(String leaderNodeId, PartitionId partition) throws IOException;

    /**
     * Copies whole committed batches starting with the one holding {@code fromOffset}.
     *
     * @param leaderNodeId the leader's node id
     * @param partition the partition
     * @param fromOffset the first offset wanted (a batch boundary on the leader)
     * @param upToOffset exclusive bound (the high watermark of {@link #leaderState})
     * @param maxBytes the most bytes wanted (at least one whole batch is returned)
     * @return the batches, as stored by the leader (offsets, terms and raft indexes stamped); empty at the bound
     * @throws IOException on a transport or read error
     */
    ByteBuffer fetch(String leaderNodeId, PartitionId partition, long fromOffset, long upToOffset, int maxBytes)
        throws IOException;
}
