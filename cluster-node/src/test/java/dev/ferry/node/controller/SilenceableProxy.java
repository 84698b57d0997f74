package dev.ferry.node.controller;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 in front of one server that can go silent, as a machine that died without closing its
 * connections: from then on nothing is forwarded either way and new connections are accepted but never answered,
 * so a client only notices by its own timeouts. Test traffic only: two threads per connection, blocking I/O.
 */
final class SilenceableProxy implements Closeable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean silent;

    /** @param target host:port of the server behind the proxy */
    SilenceableProxy(final String target) throws IOException {
        final int colon = target.lastIndexOf(':');
        this.target = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final Thread acceptor = new Thread(this::accept, "proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** @return host:port clients connect to */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Stops forwarding anything, for good; connections stay open. */
    void silence() {
        silent = true;
    }

    private void accept() {
        try {
            while (true) {
                final Socket client = server.accept();
                sockets.add(client);
                if (silent) {
                    continue;
                }
                final Socket upstream = new Socket(target.getAddress(), target.getPort());
                sockets.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            }
        } catch (final IOException closed) {
            // the proxy was closed
        }
    }

    private void pump(final Socket from, final Socket to) {
        final Thread t = new Thread(() -> {
            final byte[] buf = new byte[64 << 10];
            try {
                final InputStream in = from.getInputStream();
                final OutputStream out = to.getOutputStream();
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    if (!silent) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (final IOException closed) {
                // either side closed
            }
            // A silent machine closes nothing: its peers' connections just stop hearing from it.
            if (!silent) {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump-" + server.getLocalPort());
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(final Socket s) {
        try {
            s.close();
        } catch (final IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (final Socket s : sockets) {
            s.close();
        }
    }
}
