package dev.ferry.client.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The event-loop threads of a client's connections: one group for many connections (a producer, a consumer and
 * an admin client of one application can share it), so that threads do not grow with the number of nodes.
 * Closing it closes every connection made through it. Threads are daemons: a forgotten client does not keep
 * the JVM alive.
 *
 * <p>Thread-safe.
 */
public final class ClientNetwork implements AutoCloseable {
    private static final long SHUTDOWN_TIMEOUT_MS = 10_000;

    private final EventLoopGroup group;

    /**
     * @param ioThreads event-loop threads, at least 1
     * @param name thread name prefix, e.g. the client id
     */
    public ClientNetwork(final int ioThreads, final String name) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("invalid client network: ioThreads=" + ioThreads
                + " must be at least 1");
        }
        this.group = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("ferry-client-io-" + name, true));
    }

    /**
     * Opens a connection; the returned future completes on an event loop.
     *
     * @param host the node's host
     * @param port the node's port
     * @param config the connection's settings
     * @return the connection, or a {@link NetworkException} (retriable) naming the address when it cannot connect
     */
    public CompletableFuture<FerryConnection> connect(final String host, final int port,
                                                      final ConnectionConfig config) {
        return connect(host, port, config, null);
    }

    CompletableFuture<FerryConnection> connect(final String host, final int port, final ConnectionConfig config,
                                               final ClientNetwork owned) {
        final CompletableFuture<FerryConnection> result = new CompletableFuture<>();
        final FerryConnection connection = new FerryConnection(config, host + ":" + port, owned);
        final Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeoutMs())
            .handler(connection.initializer());
        final ChannelFuture connect;
        try {
            connect = bootstrap.connect(host, port);
        } catch (final RuntimeException e) {
            result.completeExceptionally(new NetworkException("cannot connect to " + host + ":" + port + ": " + e,
                e, true));
            return result;
        }
        connect.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(connection);
            } else {
                result.completeExceptionally(new NetworkException("cannot connect to " + host + ":" + port + ": "
                    + f.cause(), f.cause(), true));
            }
        });
        return result;
    }

    /** Closes every connection and waits (up to 10 s) for the threads to end. Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!inEventLoop()) {
            group.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS);
        }
    }

    private boolean inEventLoop() {
        for (final EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    /** Closes without waiting: for a connection that owns its network and is closed from its own event loop. */
    void closeAsync() {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
