/**
 * A chaos run's report: a JSON summary for machines and CI, a self-contained HTML page with a timeline for
 * people, and optionally the whole history as JSON lines. {@link dev.ferry.chaos.report.ChaosReport} writes
 * them. No dependencies: {@link dev.ferry.chaos.report.JsonWriter} is a small hand-written JSON writer.
 */
package dev.ferry.chaos.report;
