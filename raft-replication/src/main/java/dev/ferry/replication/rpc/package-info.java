/**
 * Ferry's Raft transport: Ratis' gRPC transport with a log appender that survives a Ratis 3.2.2 race (see
 * {@link dev.ferry.replication.rpc.GuardedLogAppender}). Selected by {@link dev.ferry.replication.rpc.FerryRpcType}
 * in every Raft server and client Ferry builds.
 */
package dev.ferry.replication.rpc;
