package dev.ferry.node.network;

import dev.ferry.client.protocol.proto.ApiKey;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The node's network server: accepts client and node connections and dispatches their frames to the
 * {@link ApiHandler}s, on Netty's native epoll transport where it loads (sendfile for fetched records, fewer
 * syscalls) and NIO elsewhere. ApiVersions is always served, answered from the handler map.
 *
 * <p>Event-loop threads are named {@code ferry-net-io-<node>-N} (the accept thread {@code ferry-net-accept-<node>}),
 * so that thread dumps and allocation measurements find them.
 *
 * <p>Thread-safe: {@link #start()} and {@link #close()} are synchronized; handlers run on the event loops.
 */
public final class FerryServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryServer.class);
    private static final long SHUTDOWN_TIMEOUT_MS = 10_000;

    private final NetworkConfig config;
    private final Map<ApiKey, ApiHandler> handlers;
    private final RequestObserver observer;
    private final String nodeLabel;
    private final boolean allowEpoll;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private ServerChannelInitializer initializer;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private Channel serverChannel;
    private String transport = "none";
    private boolean closed;

    /**
     * @param config addresses and limits
     * @param handlers the handler of each API; ApiVersions is added when absent
     * @param observer told of every response (metrics)
     * @param nodeLabel the node's name in logs and thread names, e.g. its node id
     * @throws IllegalArgumentException when a key is not a real API
     */
    public FerryServer(final NetworkConfig config, final Map<ApiKey, ApiHandler> handlers,
                       final RequestObserver observer, final String nodeLabel) {
        this(config, handlers, observer, nodeLabel, true);
    }

    /** As the public constructor; {@code allowEpoll=false} forces NIO (tests of both transports). */
    FerryServer(final NetworkConfig config, final Map<ApiKey, ApiHandler> handlers, final RequestObserver observer,
                final String nodeLabel, final boolean allowEpoll) {
        this.config = config;
        this.observer = observer == null ? RequestObserver.NONE : observer;
        this.nodeLabel = nodeLabel;
        this.allowEpoll = allowEpoll;
        final EnumMap<ApiKey, ApiHandler> all = new EnumMap<>(ApiKey.class);
        for (final Map.Entry<ApiKey, ApiHandler> e : handlers.entrySet()) {
            if (e.getKey() == ApiKey.UNRECOGNIZED || e.getKey() == ApiKey.API_KEY_UNSPECIFIED) {
                throw new IllegalArgumentException("not an API: apiKey=" + e.getKey());
            }
            all.put(e.getKey(), e.getValue());
        }
        if (!all.containsKey(ApiKey.API_VERSIONS)) {
            final EnumMap<ApiKey, ApiHandler> keys = new EnumMap<>(all);
            keys.put(ApiKey.API_VERSIONS, null);
            all.put(ApiKey.API_VERSIONS, new ApiVersionsHandler(keys.keySet()));
        }
        this.handlers = Collections.unmodifiableMap(all);
    }

    /**
     * Binds the port and starts serving.
     *
     * @return this
     * @throws IOException when the address cannot be bound (the message names it)
     * @throws IllegalStateException when already started or closed
     */
    public synchronized FerryServer start() throws IOException {
        if (serverChannel != null || closed) {
            throw new IllegalStateException("server already started or closed: node=" + nodeLabel);
        }
        final Class<? extends ServerChannel> channelClass;
        if (allowEpoll && Epoll.isAvailable()) {
            transport = "epoll";
            acceptGroup = new EpollEventLoopGroup(1, new DefaultThreadFactory("ferry-net-accept-" + nodeLabel));
            ioGroup = new EpollEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("ferry-net-io-"
                + nodeLabel));
            channelClass = EpollServerSocketChannel.class;
        } else {
            transport = "nio";
            acceptGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("ferry-net-accept-" + nodeLabel));
            ioGroup = new NioEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("ferry-net-io-"
                + nodeLabel));
            channelClass = NioServerSocketChannel.class;
        }
        initializer = new ServerChannelInitializer(config, handlers, observer, nodeLabel, channels);
        final ServerBootstrap bootstrap = new ServerBootstrap().group(acceptGroup, ioGroup).channel(channelClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(initializer);
        final ChannelFuture bind = bootstrap.bind(config.host(), config.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            shutdownGroups();
            throw new IOException("cannot bind the network server: node=" + nodeLabel + " host=" + config.host()
                + " port=" + config.port() + ": " + bind.cause(), bind.cause());
        }
        serverChannel = bind.channel();
        LOG.info("node={} network server listening on {}:{} transport={} (epoll available={}) ioThreads={} "
                + "maxFrameBytes={} maxInFlightPerConnection={} idleTimeoutMs={} maxConnections={} apis={}",
            nodeLabel, config.host(), boundPort(), transport, Epoll.isAvailable(), config.ioThreads(),
            config.maxFrameBytes(), config.maxInFlightPerConnection(), config.idleTimeoutMs(),
            config.maxConnections(), handlers.keySet());
        return this;
    }

    /** @return the port bound, useful when the config asked for port 0 */
    public synchronized int boundPort() {
        if (serverChannel == null) {
            throw new IllegalStateException("server not started: node=" + nodeLabel);
        }
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** @return "epoll" or "nio" once started */
    public synchronized String transport() {
        return transport;
    }

    /** @return connections open now (including ones being refused over the limit) */
    public int connectionCount() {
        final ServerChannelInitializer init;
        synchronized (this) {
            init = initializer;
        }
        return init == null ? 0 : init.connectionCount();
    }

    /** @return the APIs served, ApiVersions included */
    public Map<ApiKey, ApiHandler> handlers() {
        return handlers;
    }

    /**
     * Stops accepting, closes every connection and waits for the event loops to end. Handler futures that
     * complete afterwards are dropped. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        channels.close().awaitUninterruptibly();
        shutdownGroups();
        LOG.info("node={} network server stopped", nodeLabel);
    }

    private void shutdownGroups() {
        if (acceptGroup == null) {
            return;
        }
        acceptGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        ioGroup.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (!acceptGroup.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS)
            || !ioGroup.terminationFuture().awaitUninterruptibly(SHUTDOWN_TIMEOUT_MS)) {
            LOG.warn("node={} network event loops did not stop within {} ms", nodeLabel, SHUTDOWN_TIMEOUT_MS);
        }
    }
}
