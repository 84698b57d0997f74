package dev.ferry.replication;

/**
 * Where an append landed.
 *
 * @param baseOffset offset of the first record, or -1 for {@link Acks#NONE}
 * @param lastOffset offset of the last record, or -1 for {@link Acks#NONE}
 * @param raftIndex the Raft log index of the entry that carried the batches, or -1
 */
public record AppendResult(long baseOffset, long lastOffset, long raftIndex) {
    /** The result of an {@link Acks#NONE} append: nothing is known. */
    public static final AppendResult UNKNOWN = new AppendResult(-1, -1, -1);
}
