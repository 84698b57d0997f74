/**
 * One {@link dev.ferry.node.network.ApiHandler} per API. The data path (Produce, Fetch, ListOffsets,
 * ReplicaState) answers per-partition problems in the response body, each with a message naming the partition,
 * and never blocks the event loop that calls it: replication and long polls complete the handler's future later.
 */
package dev.ferry.node.handler;
