package dev.ferry.replication.rpc;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;

/**
 * Ratis' gRPC transport with {@link GuardedLogAppender} as the leader's log appender. Ratis finds a user-defined
 * transport by this class's name in {@code raft.rpc.type} and makes it with the public no-argument constructor.
 *
 * <p>Thread-safe (stateless).
 */
public final class FerryRpcType implements RpcType {
    /** The one instance Ferry's code sets; Ratis makes its own by reflection. */
    public static final FerryRpcType INSTANCE = new FerryRpcType();

    /** Used by Ratis' {@code RpcType.valueOf}. */
    public FerryRpcType() {
    }

    @Override
    public String name() {
        return FerryRpcType.class.getName();
    }

    @Override
    public RpcFactory newFactory(final Parameters parameters) {
        return new FerryGrpcFactory(parameters);
    }
}
