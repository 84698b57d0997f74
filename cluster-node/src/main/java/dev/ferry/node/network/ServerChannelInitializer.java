package dev.ferry.node.network;

import dev.ferry.client.protocol.FrameDecoder;
import dev.ferry.client.protocol.proto.ApiKey;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.timeout.IdleStateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits a new connection (or closes it at once over the connection limit) and builds its pipeline:
 *
 * <pre>
 *   idle      IdleStateHandler      fires after idleTimeoutMs without reads or writes
 *   frames    FrameDecoder          length prefix (fail-fast at maxFrameBytes), then header/body/records views
 *   dispatch  RequestDispatcher     header, handler, in-order responses, in-flight limit, idle close
 * </pre>
 *
 * <p>Outbound there is no encoder: the dispatcher writes the encoded protobuf part and file regions itself.
 * Thread-safe ({@code @Sharable}; the connection count is atomic, the rest immutable).
 */
@ChannelHandler.Sharable
final class ServerChannelInitializer extends ChannelInitializer<Channel> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerChannelInitializer.class);

    private final NetworkConfig config;
    private final Map<ApiKey, ApiHandler> handlers;
    private final RequestObserver observer;
    private final String node;
    private final ChannelGroup channels;
    private final AtomicInteger connections = new AtomicInteger();

    ServerChannelInitializer(final NetworkConfig config, final Map<ApiKey, ApiHandler> handlers,
                             final RequestObserver observer, final String node, final ChannelGroup channels) {
        this.config = config;
        this.handlers = handlers;
        this.observer = observer;
        this.node = node;
        this.channels = channels;
    }

    @Override
    protected void initChannel(final Channel ch) {
        final int open = connections.incrementAndGet();
        ch.closeFuture().addListener(f -> connections.decrementAndGet());
        if (open > config.maxConnections()) {
            LOG.warn("node={} peer={} closing connection: connection limit reached: connections={} maxConnections={}",
                node, ch.remoteAddress(), open - 1, config.maxConnections());
            ch.close();
            return;
        }
        channels.add(ch);
        ch.pipeline()
            .addLast("idle", new IdleStateHandler(0, 0, config.idleTimeoutMs(), TimeUnit.MILLISECONDS))
            .addLast("frames", new FrameDecoder(config.maxFrameBytes()))
            .addLast("dispatch", new RequestDispatcher(handlers, observer, config.maxInFlightPerConnection(), node));
    }

    /** @return connections open now */
    int connectionCount() {
        return connections.get();
    }
}
