package dev.ferry.testing.proxy;

import dev.ferry.client.protocol.FrameLayout;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only TCP proxy in front of one Ferry node (127.0.0.1, an ephemeral port) that forwards whole frames both
 * ways and can lose Produce traffic on purpose: a chosen fraction of Produce responses (the node appended, the
 * client never hears back, times out and retries), the next N Produce responses, or every Produce request (the
 * node never sees the records). As on a real TCP connection, nothing that follows a lost response reaches the
 * client either: the connection goes silent until the client gives up on it. Metadata responses are rewritten so
 * that nodes are advertised at their proxies' addresses: a client bootstrapped from the proxies then reaches every
 * node through them, with no client-side setting.
 *
 * <p>Thread-safe; two threads per proxied connection, blocking I/O (test traffic only).
 */
public final class FrameProxy implements Closeable {
    /** What the proxies of one cluster lose; shared by them. Thread-safe. */
    public static final class Faults {
        private final Random random;
        private volatile double dropResponseFraction;
        private volatile boolean dropProduceRequests;
        private final AtomicInteger dropNextResponses = new AtomicInteger();
        private final AtomicInteger droppedResponses = new AtomicInteger();
        private final AtomicInteger droppedRequests = new AtomicInteger();
        private final AtomicInteger produceRequests = new AtomicInteger();
        private final AtomicInteger largestProduceRecords = new AtomicInteger();

        /** @param seed the seed of the choice of responses to drop, so a failing run can be repeated */
        public Faults(final long seed) {
            this.random = new Random(seed);
        }

        /** @param fraction the share of Produce responses to drop from now on, in [0, 1] */
        public void dropResponses(final double fraction) {
            this.dropResponseFraction = fraction;
        }

        /** @param n drop the next n Produce responses */
        public void dropNextResponses(final int n) {
            dropNextResponses.set(n);
        }

        /** @param drop whether Produce requests are dropped (not forwarded to the node) from now on */
        public void dropProduceRequests(final boolean drop) {
            this.dropProduceRequests = drop;
        }

        /** @return Produce responses dropped so far */
        public int droppedResponses() {
            return droppedResponses.get();
        }

        /** @return Produce requests dropped so far */
        public int droppedRequests() {
            return droppedRequests.get();
        }

        /** @return Produce requests seen so far (forwarded or not) */
        public int produceRequests() {
            return produceRequests.get();
        }

        /** @return the largest records part of a Produce request seen, in bytes */
        public int largestProduceRecords() {
            return largestProduceRecords.get();
        }

        boolean dropRequest(final int recordsBytes) {
            produceRequests.incrementAndGet();
            largestProduceRecords.accumulateAndGet(recordsBytes, Math::max);
            if (dropProduceRequests) {
                droppedRequests.incrementAndGet();
                return true;
            }
            return false;
        }

        boolean dropResponse() {
            final boolean drop;
            if (dropNextResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                drop = true;
            } else {
                synchronized (random) {
                    drop = random.nextDouble() < dropResponseFraction;
                }
            }
            if (drop) {
                droppedResponses.incrementAndGet();
            }
            return drop;
        }
    }

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Faults faults;
    /** A node's real port (all on 127.0.0.1) to the address of its proxy. */
    private final Map<Integer, InetSocketAddress> advertised;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;
    /** Forward nothing, either way, and close nothing: the node's machine died without a word. */
    private volatile boolean blackhole;

    private FrameProxy(final InetSocketAddress target, final Faults faults,
                       final Map<Integer, InetSocketAddress> advertised) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.target = target;
        this.faults = faults;
        this.advertised = advertised;
        this.acceptor = new Thread(this::acceptLoop, "frame-proxy-accept-" + target.getPort());
        acceptor.setDaemon(true);
    }

    /**
     * Starts one proxy per node.
     *
     * @param nodes host:port of every node
     * @param faults what they lose
     * @return the proxies, in the order of the nodes
     */
    public static List<FrameProxy> start(final List<String> nodes, final Faults faults) throws IOException {
        final Map<Integer, InetSocketAddress> advertised = new ConcurrentHashMap<>();
        final List<FrameProxy> proxies = new ArrayList<>();
        for (final String node : nodes) {
            final int colon = node.lastIndexOf(':');
            final int port = Integer.parseInt(node.substring(colon + 1));
            final FrameProxy proxy = new FrameProxy(new InetSocketAddress(node.substring(0, colon), port), faults,
                advertised);
            advertised.put(port, new InetSocketAddress("127.0.0.1", proxy.port()));
            proxies.add(proxy);
        }
        proxies.forEach(p -> p.acceptor.start());
        return proxies;
    }

    /**
     * @param on from now on forward nothing either way on any connection, and close none: to the client the node
     *           is a machine that died (killed, cut off) with its connections open, which only timeouts reveal
     */
    public void blackhole(final boolean on) {
        this.blackhole = on;
    }

    /** @return the proxy's port on 127.0.0.1 */
    public int port() {
        return server.getLocalPort();
    }

    /** @return "127.0.0.1:port" */
    public String address() {
        return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!closed) {
            final Socket client;
            try {
                client = server.accept();
            } catch (final IOException e) {
                return;
            }
            try {
                final Socket node = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                node.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(node);
                final Map<Integer, ApiKey> apis = new ConcurrentHashMap<>();
                thread(() -> pump(client, node, true, apis), "frame-proxy-request-" + target.getPort()).start();
                thread(() -> pump(node, client, false, apis), "frame-proxy-response-" + target.getPort()).start();
            } catch (final IOException e) {
                // The node is down: the client sees its connection close, as it would without the proxy.
                closeQuietly(client);
            }
        }
    }

    private static Thread thread(final Runnable r, final String name) {
        final Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private void pump(final Socket from, final Socket to, final boolean requests, final Map<Integer, ApiKey> apis) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream()));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(to.getOutputStream()))) {
            boolean silent = false;
            while (true) {
                final int length = in.readInt();
                if (length < FrameLayout.MIN_FRAME_LENGTH || length > FrameLayout.DEFAULT_MAX_FRAME_BYTES) {
                    throw new IOException("bad frame length " + length);
                }
                final byte[] frame = new byte[length];
                in.readFully(frame);
                final byte[] forward = requests ? onRequest(frame, apis) : onResponse(frame, apis);
                silent |= !requests && forward == null;
                if (forward != null && !silent && !blackhole) {
                    out.writeInt(forward.length);
                    out.write(forward);
                    out.flush();
                }
            }
        } catch (final IOException | RuntimeException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** @return the frame to forward, or null to drop it */
    private byte[] onRequest(final byte[] frame, final Map<Integer, ApiKey> apis) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final int headerLength = b.getInt();
        final RequestHeader header = RequestHeader.parseFrom(ByteBuffer.wrap(frame, 4, headerLength));
        apis.put(header.getCorrelationId(), header.getApiKey());
        if (header.getApiKey() == ApiKey.PRODUCE) {
            final int bodyLength = b.getInt(4 + headerLength);
            final int recordsBytes = frame.length - 8 - headerLength - bodyLength;
            if (faults.dropRequest(recordsBytes)) {
                return null;
            }
        }
        return frame;
    }

    /** @return the frame to forward, or null to drop it */
    private byte[] onResponse(final byte[] frame, final Map<Integer, ApiKey> apis) throws IOException {
        final ByteBuffer b = ByteBuffer.wrap(frame);
        final int headerLength = b.getInt();
        final ResponseHeader header = ResponseHeader.parseFrom(ByteBuffer.wrap(frame, 4, headerLength));
        final ApiKey api = apis.remove(header.getCorrelationId());
        if (api == ApiKey.PRODUCE && faults.dropResponse()) {
            return null;
        }
        final int bodyLength = b.getInt(4 + headerLength);
        if (api != ApiKey.METADATA || bodyLength == 0) {
            return frame;
        }
        final int bodyStart = 8 + headerLength;
        final MetadataResponse.Builder metadata = MetadataResponse.parseFrom(
            ByteBuffer.wrap(frame, bodyStart, bodyLength)).toBuilder();
        for (final NodeEndpoint.Builder node : metadata.getNodesBuilderList()) {
            final InetSocketAddress proxy = advertised.get(node.getPort());
            if (proxy != null) {
                node.setHost(proxy.getHostString()).setPort(proxy.getPort());
            }
        }
        final byte[] body = metadata.build().toByteArray();
        final int recordsStart = bodyStart + bodyLength;
        final ByteBuffer out = ByteBuffer.allocate(8 + headerLength + body.length + frame.length - recordsStart);
        out.put(frame, 0, 4 + headerLength).putInt(body.length).put(body).put(frame, recordsStart,
            frame.length - recordsStart);
        return out.array();
    }

    private static void closeQuietly(final Closeable c) {
        try {
            c.close();
        } catch (final IOException e) {
            // Already closing: nothing else to release.
            return;
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        sockets.forEach(FrameProxy::closeQuietly);
    }

    @Override
    public String toString() {
        return "FrameProxy(" + address() + " -> " + target + ")";
    }
}
