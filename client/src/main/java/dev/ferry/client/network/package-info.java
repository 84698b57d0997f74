/**
 * Connections from a client (or a node acting as one) to Ferry nodes: framing, correlation ids, pipelined
 * requests with per-request timeouts, and typed network errors that say whether a retry may help. Many
 * connections share the event-loop threads of one {@link dev.ferry.client.network.ClientNetwork}.
 */
package dev.ferry.client.network;
