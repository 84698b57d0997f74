/**
 * Replication of partition logs with Apache Ratis: one Raft group per partition, the batch bytes written
 * once per replica into the core-log segments (issue 3). Empty until that issue lands.
 */
package dev.ferry.replication;
