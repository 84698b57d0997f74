package dev.ferry.chaos.workload;

/**
 * A snapshot of a workload's counters, for progress lines and test assertions.
 *
 * <p>Immutable.
 *
 * @param sent sends handed to a producer
 * @param acked sends acknowledged
 * @param failed sends that definitely failed
 * @param unknown sends with an unknown outcome
 * @param groupReads records processed by group members (re-reads after a rebalance included)
 * @param readerReads records read by standalone readers
 * @param commits successful commits (one per partition committed)
 * @param consumerErrors errors members and readers logged and survived (failed polls, failed commits)
 */
public record WorkloadStats(long sent, long acked, long failed, long unknown, long groupReads, long readerReads,
                            long commits, long consumerErrors) {
    /** @return sends whose outcome is not known yet */
    public long pending() {
        return sent - acked - failed - unknown;
    }

    /** @return one line for the log */
    public String describe() {
        return "sent=" + sent + " acked=" + acked + " failed=" + failed + " unknown=" + unknown + " pending="
            + pending() + " groupReads=" + groupReads + " readerReads=" + readerReads + " commits=" + commits
            + " consumerErrors=" + consumerErrors;
    }
}
