package dev.ferry.node.network;

import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.FrameEncoder;
import dev.ferry.client.protocol.FrameLayout;
import dev.ferry.client.protocol.MalformedFrameException;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;
import dev.ferry.log.LogReadSlice;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * The last handler of a connection's pipeline: parses each frame's header, calls the API's handler and writes
 * the responses back in request order, as Kafka pipelines: requests are handled concurrently, but a response
 * waits for the ones before it. At most {@code maxInFlight} requests are with handlers at once; at the limit, or
 * while the socket's outbound buffer is above its high-water mark, the connection stops reading (auto-read off)
 * and frames already read wait here, undispatched.
 *
 * <p>Ownership: a dispatched request's frame is released when its handler's future completes (handlers may pass
 * record bytes on without copying); a waiting frame is released when the connection closes. Failures never
 * leave this class: an unparsable header or a bad frame closes the connection with a logged reason, a failing
 * handler gets UNKNOWN_SERVER_ERROR.
 *
 * <p>Not thread-safe: one per connection, every method on its event loop (handler futures hop back to it).
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);

    private final Map<ApiKey, ApiHandler> handlers;
    private final RequestObserver observer;
    private final int maxInFlight;
    private final String node;
    /** Dispatched requests in arrival order; the head is the next response to write. */
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    /** Frames read while at the in-flight limit, not yet dispatched. */
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private final ChannelFutureListener onWriteFailure = future -> {
        if (!future.isSuccess()) {
            onWriteFailed(future.cause());
        }
    };
    private ChannelHandlerContext ctx;
    private boolean closed;
    private boolean writing;
    private boolean writeAgain;

    RequestDispatcher(final Map<ApiKey, ApiHandler> handlers, final RequestObserver observer, final int maxInFlight,
                      final String node) {
        this.handlers = handlers;
        this.observer = observer;
        this.maxInFlight = maxInFlight;
        this.node = node;
    }

    @Override
    public void handlerAdded(final ChannelHandlerContext context) {
        this.ctx = context;
    }

    @Override
    public void channelRead(final ChannelHandlerContext context, final Object msg) {
        if (!(msg instanceof Frame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (closed) {
            frame.release();
            return;
        }
        final PendingRequest request = new PendingRequest(frame, System.nanoTime());
        if (!canDispatch() || !waiting.isEmpty()) {
            waiting.add(request);
            pauseReading();
            return;
        }
        dispatch(request);
    }

    private void dispatch(final PendingRequest request) {
        final Frame frame = request.frame;
        final RequestHeader header;
        try {
            header = Frame.parse(frame.header(), RequestHeader.parser());
        } catch (final MalformedFrameException e) {
            // Without a header there is no correlation id to answer to: the stream cannot be trusted further.
            LOG.warn("node={} peer={} closing connection: unparsable request header: {}", node, peer(),
                e.getMessage());
            frame.release();
            closeConnection();
            return;
        }
        request.correlationId = header.getCorrelationId();
        request.apiKey = header.getApiKey();
        inFlight.add(request);
        if (inFlight.size() >= maxInFlight) {
            pauseReading();
        }
        final ApiHandler handler = header.getApiKey() == ApiKey.UNRECOGNIZED ? null : handlers.get(request.apiKey);
        if (handler == null) {
            frame.release();
            onHandled(request, Response.error(ErrorCode.UNSUPPORTED_API, "unsupported api: apiKey="
                + header.getApiKeyValue() + " (" + header.getApiKey() + ") node=" + node), null);
            return;
        }
        if (header.getApiVersion() != 0 && request.apiKey != ApiKey.API_VERSIONS) {
            frame.release();
            onHandled(request, Response.error(ErrorCode.UNSUPPORTED_VERSION, "unsupported version: apiKey="
                + request.apiKey + " apiVersion=" + header.getApiVersion() + " supported=[0, 0]"), null);
            return;
        }
        CompletableFuture<Response> future;
        try {
            future = handler.handle(new Request(header, frame, ctx.channel().remoteAddress()));
            if (future == null) {
                future = CompletableFuture.failedFuture(new IllegalStateException("handler returned no future"));
            }
        } catch (final Throwable e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, error) -> {
            frame.release();
            onEventLoop(() -> onHandled(request, response, error));
        });
    }

    private void onEventLoop(final Runnable task) {
        if (ctx.executor().inEventLoop()) {
            task.run();
            return;
        }
        try {
            ctx.executor().execute(task);
        } catch (final RejectedExecutionException e) {
            // The server is shutting down and the connection with it: nothing left to answer.
            LOG.debug("node={} response dropped at shutdown", node);
        }
    }

    private void onHandled(final PendingRequest request, final Response response, final Throwable error) {
        if (closed) {
            return;
        }
        request.response = toResponse(request, response, error);
        writeReady();
    }

    private Response toResponse(final PendingRequest request, final Response response, final Throwable error) {
        if (error != null) {
            final Throwable cause = unwrap(error);
            if (cause instanceof MalformedFrameException) {
                return Response.error(ErrorCode.MALFORMED_REQUEST, cause.getMessage());
            }
            LOG.warn("node={} peer={} apiKey={} correlationId={} handler failed", node, peer(), request.apiKey,
                request.correlationId, cause);
            return Response.error(ErrorCode.UNKNOWN_SERVER_ERROR, cause.getClass().getSimpleName() + ": "
                + cause.getMessage());
        }
        if (response == null) {
            LOG.warn("node={} peer={} apiKey={} correlationId={} handler answered null", node, peer(),
                request.apiKey, request.correlationId);
            return Response.error(ErrorCode.UNKNOWN_SERVER_ERROR, "handler answered no response: apiKey="
                + request.apiKey);
        }
        return response;
    }

    private static Throwable unwrap(final Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Writes every answered response at the head of the queue, then dispatches waiting frames. Not reentrant. */
    private void writeReady() {
        if (writing) {
            writeAgain = true;
            return;
        }
        writing = true;
        try {
            do {
                writeAgain = false;
                boolean wrote = false;
                while (!closed && !inFlight.isEmpty() && inFlight.peekFirst().response != null) {
                    write(inFlight.pollFirst());
                    wrote = true;
                }
                if (wrote) {
                    ctx.flush();
                }
                while (!closed && canDispatch() && !waiting.isEmpty()) {
                    dispatch(waiting.pollFirst());
                }
            } while (writeAgain && !closed);
        } finally {
            writing = false;
        }
        if (!closed && canDispatch() && waiting.isEmpty()) {
            resumeReading();
        }
    }

    /**
     * A new request may go to its handler: below the in-flight limit, and the socket is taking our responses (a
     * client that sends without reading would otherwise pile responses up in the outbound buffer; Kafka mutes
     * such a channel too).
     */
    private boolean canDispatch() {
        return inFlight.size() < maxInFlight && ctx.channel().isWritable();
    }

    @Override
    public void channelWritabilityChanged(final ChannelHandlerContext context) {
        if (context.channel().isWritable() && !closed) {
            writeReady();
        }
        context.fireChannelWritabilityChanged();
    }

    private void write(final PendingRequest request) {
        Response response = request.response;
        long recordsBytes = response.recordsBytes();
        ResponseHeader header = header(request.correlationId, response.error(), response.errorMessage());
        ByteBuf head;
        try {
            head = FrameEncoder.encode(ctx.alloc(), header, response.body(), recordsBytes);
        } catch (final RuntimeException e) {
            LOG.warn("node={} peer={} apiKey={} correlationId={} cannot encode response: {}", node, peer(),
                request.apiKey, request.correlationId, e.getMessage());
            response = Response.error(ErrorCode.UNKNOWN_SERVER_ERROR, "cannot encode response: " + e.getMessage());
            recordsBytes = 0;
            header = header(request.correlationId, response.error(), response.errorMessage());
            head = FrameEncoder.encode(ctx.alloc(), header, null, 0);
        }
        final long responseBytes = head.readableBytes() + recordsBytes;
        ctx.write(head).addListener(onWriteFailure);
        if (recordsBytes > 0) {
            for (final LogReadSlice slice : response.slices()) {
                if (!slice.isEmpty()) {
                    ctx.write(new SliceRegion(slice)).addListener(onWriteFailure);
                }
            }
        }
        try {
            observer.onResponse(request.apiKey, response.error(), System.nanoTime() - request.arrivalNanos,
                request.frameBytes, responseBytes);
        } catch (final RuntimeException e) {
            LOG.warn("node={} request observer failed", node, e);
        }
    }

    private static ResponseHeader header(final int correlationId, final ErrorCode error, final String message) {
        return ResponseHeader.newBuilder().setCorrelationId(correlationId).setError(error)
            .setErrorMessage(message == null ? "" : message).build();
    }

    private void onWriteFailed(final Throwable cause) {
        if (!closed) {
            LOG.warn("node={} peer={} closing connection: response write failed: {}", node, peer(),
                String.valueOf(cause));
            closeConnection();
        }
    }

    private void pauseReading() {
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    private void resumeReading() {
        if (!ctx.channel().config().isAutoRead()) {
            // Turning auto-read back on also asks the channel for the next read.
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(final ChannelHandlerContext context, final Object event) {
        if (event instanceof IdleStateEvent) {
            // A long poll is traffic still owed, not idleness.
            if (inFlight.isEmpty() && waiting.isEmpty()) {
                LOG.info("node={} peer={} closing idle connection", node, peer());
                closeConnection();
            }
            return;
        }
        context.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext context, final Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warn("node={} peer={} closing connection: frame too large: {}", node, peer(), cause.getMessage());
        } else if (cause instanceof DecoderException) {
            LOG.warn("node={} peer={} closing connection: malformed frame: {}", node, peer(), cause.getMessage());
        } else if (cause instanceof IOException) {
            LOG.debug("node={} peer={} closing connection: {}", node, peer(), cause.toString());
        } else {
            LOG.warn("node={} peer={} closing connection after an unexpected error", node, peer(), cause);
        }
        closeConnection();
    }

    @Override
    public void channelInactive(final ChannelHandlerContext context) {
        releaseAll();
        context.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(final ChannelHandlerContext context) {
        releaseAll();
    }

    private void closeConnection() {
        releaseAll();
        ctx.close();
    }

    private void releaseAll() {
        closed = true;
        // Dispatched frames are released by their handlers' futures; waiting ones were never handed out.
        PendingRequest request;
        while ((request = waiting.pollFirst()) != null) {
            request.frame.release();
        }
        inFlight.clear();
    }

    private Object peer() {
        return ctx.channel().remoteAddress();
    }

    /** One request from arrival to its response being written. */
    private static final class PendingRequest {
        private final Frame frame;
        private final long arrivalNanos;
        private final int frameBytes;
        private int correlationId;
        private ApiKey apiKey = ApiKey.API_KEY_UNSPECIFIED;
        private Response response;

        PendingRequest(final Frame frame, final long arrivalNanos) {
            this.frame = frame;
            this.arrivalNanos = arrivalNanos;
            this.frameBytes = FrameLayout.FRAME_LENGTH_BYTES + FrameLayout.MIN_FRAME_LENGTH
                + frame.header().readableBytes() + frame.body().readableBytes() + frame.records().readableBytes();
        }
    }
}
