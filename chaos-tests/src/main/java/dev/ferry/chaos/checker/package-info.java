/**
 * Checks a chaos run's {@link dev.ferry.chaos.history.History}: nothing acknowledged lost, nothing read that was
 * not written or not intact, no duplicates, one order per partition, no offset that later disappears, identical
 * replicas, the consumer-group delivery guarantees, and the unavailability after leader-taking faults.
 * {@link dev.ferry.chaos.checker.HistoryChecker} is the entry point.
 */
package dev.ferry.chaos.checker;
