/**
 * Chaos tests (issue 7): Ferry clusters under faults, checked Jepsen style. The workload and the nemeses record
 * every operation in a {@link dev.ferry.chaos.history.HistoryRecorder}; {@link
 * dev.ferry.chaos.checker.HistoryChecker} finds what Ferry must never do (lose an acknowledged record, corrupt,
 * duplicate or reorder one, let replicas diverge, break the consumer-group guarantees) and measures the
 * unavailability after kills; {@link dev.ferry.chaos.report.ChaosReport} writes the summary and the timeline.
 */
package dev.ferry.chaos;
