package dev.ferry.chaos.checker;

/**
 * What a history holds, counted. Values are counted once however often they were retried.
 *
 * @param operations every operation recorded
 * @param sent distinct values sent
 * @param acknowledged values acknowledged
 * @param failed values whose every send failed definitely
 * @param unknown values neither acknowledged nor definitely failed (timeouts, or no outcome recorded)
 * @param reads records read, by every reader
 * @param commits group commits
 * @param faults faults started
 */
public record HistoryCounts(long operations, long sent, long acknowledged, long failed, long unknown, long reads,
                            long commits, long faults) {
}
