/**
 * The {@code ferry} command line (picocli): node start, cluster, topic, produce, consume, group, partition and
 * perf commands over the client library. Commands print results on stdout and one line per failure on stderr.
 */
package dev.ferry.cli;
