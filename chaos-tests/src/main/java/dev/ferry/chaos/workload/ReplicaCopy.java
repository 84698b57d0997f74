package dev.ferry.chaos.workload;

/**
 * What the {@link FinalReader} found in one replica of one partition: the range of log it read, a SHA-256 of the
 * raw batch bytes of that range, and whether it reached the target high watermark.
 *
 * <p>Immutable.
 *
 * @param nodeId the node holding the replica
 * @param startOffset where reading started: 0, or the replica's log start offset when it had none below
 * @param endOffset one past the last offset read (the next batch's base offset)
 * @param digest SHA-256 of the raw bytes of every batch read, in hex
 * @param batches batches read (each CRC-checked)
 * @param records records in them
 * @param complete whether it reached the target high watermark with every batch valid
 * @param problem why it is incomplete (the last error, a corrupt batch, the wait running out); null when complete
 */
public record ReplicaCopy(int nodeId, long startOffset, long endOffset, String digest, long batches, long records,
                          boolean complete, String problem) {
    /** @return the node's name as recorded in the history: {@code node-<id>} */
    public String node() {
        return FinalReader.nodeName(nodeId);
    }
}
