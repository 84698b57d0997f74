/**
 * The history of a chaos run, in the style of Jepsen: every operation the workload and the nemeses performed,
 * with its outcome and its wall-clock and monotonic time. {@link dev.ferry.chaos.history.HistoryRecorder} takes
 * operations from many threads at a low cost; {@link dev.ferry.chaos.history.History} is the merged, ordered
 * result that the checker reads. {@link dev.ferry.chaos.history.ChaosValue} is the self-checking value format.
 */
package dev.ferry.chaos.history;
