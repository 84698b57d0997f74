/**
 * {@code ferry perf produce|consume|e2e}: load generators with the measures of Kafka's ProducerPerformance,
 * ConsumerPerformance and EndToEndLatency (records/s, MB/s, average and percentile latencies from HdrHistogram),
 * so that Ferry and Kafka can be compared number for number (issue 8), plus what the chaos scripts need: a log of
 * every acknowledged record and a JSON summary.
 */
package dev.ferry.cli.perf;
