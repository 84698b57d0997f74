package dev.ferry.replication.rpc;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC factory, with the leader's appenders replaced by {@link GuardedLogAppender}.
 *
 * <p>Thread-safe, as its parent.
 */
final class FerryGrpcFactory extends GrpcFactory {
    FerryGrpcFactory(final Parameters parameters) {
        super(parameters);
    }

    @Override
    public LogAppender newLogAppender(final RaftServer.Division server, final LeaderState state,
                                      final FollowerInfo follower) {
        return new GuardedLogAppender(server, state, follower);
    }
}
