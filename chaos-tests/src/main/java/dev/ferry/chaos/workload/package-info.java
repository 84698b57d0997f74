/**
 * The chaos workload (issue 7): idempotent producers writing unique, checksummed values at a steady rate, a
 * consumer group and standalone readers reading everything, each operation recorded in a
 * {@link dev.ferry.chaos.history.HistoryRecorder} with its outcome; and the {@link
 * dev.ferry.chaos.workload.FinalReader}, which reads every replica after healing, byte for byte, to give the
 * checker its truth and its replica digests. Nothing here knows how the cluster runs (in-process or in Docker):
 * a bootstrap list and the address of every node are all it needs.
 */
package dev.ferry.chaos.workload;
