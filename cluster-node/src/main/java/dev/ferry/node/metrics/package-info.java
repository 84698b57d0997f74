/** Metrics in Prometheus format and the health endpoint. */
package dev.ferry.node.metrics;
