package dev.ferry.client.network;

import com.google.protobuf.MessageLite;
import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.FrameDecoder;
import dev.ferry.client.protocol.FrameEncoder;
import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One connection to a Ferry node. Requests are pipelined: {@link #send} may be called from any thread without
 * waiting for earlier answers; each request gets a correlation id and its own timeout, and its future completes
 * with the response, a {@link RequestTimeoutException}, or a {@link ConnectionClosedException} naming the peer
 * when the connection closes first. Closing fails every pending request. A timeout closes the connection, as in
 * Kafka's client: the node answers in request order, so everything behind a stuck request would stall too.
 *
 * <p>Futures complete on the connection's event loop: callbacks must not block (use the {@code ...Async}
 * variants to move work elsewhere).
 *
 * <p>Thread-safe: every state change runs on the connection's event loop.
 */
public final class FerryConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FerryConnection.class);

    private final ConnectionConfig config;
    /** host:port as given to connect. */
    private final String address;
    private final ClientNetwork ownedNetwork;
    /** Requests sent and not answered, by correlation id; event loop only. */
    private final Map<Integer, PendingRequest> pending = new HashMap<>();
    /**
     * Since when requests have waited with no answer (System.nanoTime), or 0 when none waits: set by the event
     * loop, read by any thread ({@link #waitingSince}).
     */
    private volatile long waitingSinceNanos;
    private volatile Channel channel;
    private int nextCorrelationId;
    private boolean closed;
    private Throwable closeCause;
    private String closeReason = "closed by the peer";

    FerryConnection(final ConnectionConfig config, final String address, final ClientNetwork ownedNetwork) {
        this.config = config;
        this.address = address;
        this.ownedNetwork = ownedNetwork;
    }

    /**
     * Connects with a network (one event-loop thread) of its own, closed with the connection. For many
     * connections, share a {@link ClientNetwork} and use {@link ClientNetwork#connect}.
     *
     * @param host the node's host
     * @param port the node's port
     * @param config the connection's settings
     * @return the connection, or a {@link NetworkException} (retriable) naming the address
     */
    public static CompletableFuture<FerryConnection> connect(final String host, final int port,
                                                             final ConnectionConfig config) {
        final ClientNetwork network = new ClientNetwork(1, config.clientId());
        return network.connect(host, port, config, network).whenComplete((c, e) -> {
            if (e != null) {
                network.closeAsync();
            }
        });
    }

    ChannelInitializer<Channel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(final Channel ch) {
                channel = ch;
                ch.pipeline().addLast("frames", new FrameDecoder(config.maxFrameBytes()))
                    .addLast("responses", new ResponseHandler());
            }
        };
    }

    /**
     * Sends one request.
     *
     * @param key the API
     * @param body the request body
     * @param records raw record batches to send after the body, or null; released by this method in every case
     * @param timeoutMs how long to wait for the response, at least 1
     * @return the response (the caller closes it), or a failed future with a {@link NetworkException}
     * @throws IllegalArgumentException when timeoutMs is below 1 (the records are released)
     */
    public CompletableFuture<ClientResponse> send(final ApiKey key, final MessageLite body, final ByteBuf records,
                                                  final long timeoutMs) {
        if (timeoutMs < 1) {
            ReferenceCountUtil.release(records);
            throw new IllegalArgumentException("timeoutMs=" + timeoutMs + " must be at least 1");
        }
        final CompletableFuture<ClientResponse> result = new CompletableFuture<>();
        final Channel ch = channel;
        final EventLoop loop = ch.eventLoop();
        if (loop.inEventLoop()) {
            doSend(key, body, records, timeoutMs, result);
            return result;
        }
        try {
            loop.execute(() -> doSend(key, body, records, timeoutMs, result));
        } catch (final RejectedExecutionException e) {
            ReferenceCountUtil.release(records);
            result.completeExceptionally(new ConnectionClosedException(address, "client network closed", e));
        }
        return result;
    }

    private void doSend(final ApiKey key, final MessageLite body, final ByteBuf records, final long timeoutMs,
                        final CompletableFuture<ClientResponse> result) {
        if (closed || !channel.isActive()) {
            ReferenceCountUtil.release(records);
            result.completeExceptionally(new ConnectionClosedException(address, closeReason, closeCause));
            return;
        }
        final int correlationId = nextCorrelationId++;
        final RequestHeader header = RequestHeader.newBuilder().setApiKey(key).setApiVersion(0)
            .setCorrelationId(correlationId).setClientId(config.clientId()).build();
        final long recordsBytes = records == null ? 0 : records.readableBytes();
        final ByteBuf head;
        try {
            head = FrameEncoder.encode(channel.alloc(), header, body, recordsBytes);
        } catch (final RuntimeException e) {
            ReferenceCountUtil.release(records);
            result.completeExceptionally(new NetworkException("cannot encode request: apiKey=" + key + " peer="
                + address + ": " + e.getMessage(), e, false));
            return;
        }
        final ScheduledFuture<?> timeout = channel.eventLoop().schedule(() -> onTimeout(correlationId),
            timeoutMs, TimeUnit.MILLISECONDS);
        if (pending.isEmpty()) {
            waitingSinceNanos = System.nanoTime();
        }
        pending.put(correlationId, new PendingRequest(key, result, timeout, timeoutMs));
        final ChannelFuture written;
        if (records != null && recordsBytes > 0) {
            channel.write(head);
            written = channel.writeAndFlush(records);
        } else {
            ReferenceCountUtil.release(records);
            written = channel.writeAndFlush(head);
        }
        written.addListener(f -> {
            if (!f.isSuccess()) {
                closeWith("write failed: " + f.cause(), f.cause());
            }
        });
    }

    private void onTimeout(final int correlationId) {
        final PendingRequest request = pending.remove(correlationId);
        if (request != null) {
            final String message = "request timed out: apiKey=" + request.key + " correlationId=" + correlationId
                + " peer=" + address + " timeoutMs=" + request.timeoutMs;
            request.future.completeExceptionally(new RequestTimeoutException(message));
            // Responses come in request order, so every later response waits behind this one: as Kafka's client
            // does, give up the connection rather than let it stall (the others fail as retriable).
            closeWith(message, null);
        }
    }

    private void onResponse(final Frame frame) {
        final ResponseHeader header;
        try {
            header = Frame.parse(frame.header(), ResponseHeader.parser());
        } catch (final MalformedFrameException e) {
            frame.release();
            closeWith("unparsable response header: " + e.getMessage(), e);
            return;
        }
        final PendingRequest request = pending.remove(header.getCorrelationId());
        if (request == null) {
            // Answered after its timeout (or a peer that invents ids): nobody waits for it.
            LOG.debug("peer={} response to no pending request: correlationId={}", address,
                header.getCorrelationId());
            frame.release();
            return;
        }
        request.timeout.cancel(false);
        waitingSinceNanos = pending.isEmpty() ? 0 : System.nanoTime();
        final ClientResponse response = new ClientResponse(header, frame);
        if (!request.future.complete(response)) {
            response.close();
        }
    }

    private void closeWith(final String reason, final Throwable cause) {
        if (!closed) {
            closeReason = reason;
            closeCause = cause;
        }
        channel.close();
    }

    private void failAll() {
        closed = true;
        if (pending.isEmpty()) {
            return;
        }
        final List<PendingRequest> failed = new ArrayList<>(pending.values());
        pending.clear();
        for (final PendingRequest request : failed) {
            request.timeout.cancel(false);
            request.future.completeExceptionally(new ConnectionClosedException(address, closeReason, closeCause));
        }
    }

    /** @return the node's address as given to connect, host:port */
    public String peer() {
        return address;
    }

    /** @return the connected socket's remote address */
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    /** @return true until the connection closes */
    public boolean isOpen() {
        return channel.isActive();
    }

    /**
     * @return since when (System.nanoTime) requests have waited on this connection with no answer at all, or 0
     *         when none waits. A node that died without a word (its machine gone, nothing to reset the
     *         connection) keeps this growing until the requests time out.
     */
    public long waitingSince() {
        return waitingSinceNanos;
    }

    /**
     * Gives the connection up without waiting, from any thread: its pending requests fail with a retriable
     * {@link ConnectionClosedException} naming the reason, as after a timeout.
     *
     * @param reason why, for the requests' errors
     */
    public void abandon(final String reason) {
        try {
            channel.eventLoop().execute(() -> closeWith(reason, null));
        } catch (final RejectedExecutionException e) {
            LOG.debug("peer={} connection closed with its network", address);
        }
    }

    /**
     * Closes the connection, failing pending requests with {@link ConnectionClosedException}, and waits for it to
     * close unless called from its own event loop. Idempotent.
     */
    @Override
    public void close() {
        final Channel ch = channel;
        final EventLoop loop = ch.eventLoop();
        if (loop.inEventLoop()) {
            closeWith("closed by the client", null);
        } else {
            try {
                loop.submit(() -> closeWith("closed by the client", null)).awaitUninterruptibly();
            } catch (final RejectedExecutionException e) {
                LOG.debug("peer={} connection closed with its network", address);
            }
            ch.closeFuture().awaitUninterruptibly();
        }
        if (ownedNetwork != null) {
            if (loop.inEventLoop()) {
                ownedNetwork.closeAsync();
            } else {
                ownedNetwork.close();
            }
        }
    }

    @Override
    public String toString() {
        return "FerryConnection(" + address + ")";
    }

    /** Hands frames to the connection and learns of its end; on the event loop. */
    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
            if (msg instanceof Frame frame) {
                onResponse(frame);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
            LOG.warn("peer={} closing connection: {}", address, cause.toString());
            closeWith(cause.toString(), cause);
        }

        @Override
        public void channelInactive(final ChannelHandlerContext ctx) {
            if (!closed && closeCause == null && ctx.executor().isShuttingDown()) {
                closeReason = "client network closed";
            }
            failAll();
            ctx.fireChannelInactive();
        }
    }

    /** A request waiting for its response. */
    private record PendingRequest(ApiKey key, CompletableFuture<ClientResponse> future, ScheduledFuture<?> timeout,
                                  long timeoutMs) {
    }
}
