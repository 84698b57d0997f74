package dev.ferry.node.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The node's operations endpoint, on its own port so that a saturated client port never hides the node's state:
 *
 * <ul>
 *   <li>{@code GET /metrics}: every meter of {@link NodeMetrics} in the Prometheus text format 0.0.4;</li>
 *   <li>{@code GET /health/live}: 200 once the process serves HTTP (a liveness probe);</li>
 *   <li>{@code GET /health/ready}: 200 and {@code {"status":"ready"}} when the {@link HealthCheck} says so, else
 *       503 and {@code {"status":"not_ready","reasons":[...]}} (a readiness probe);</li>
 *   <li>another method on those paths: 405; any other path: 404.</li>
 * </ul>
 *
 * <p>Built on the JDK's {@code com.sun.net.httpserver}: a scrape every few seconds needs no other dependency.
 * Requests are served by two daemon threads. Thread-safe.
 */
public final class AdminHttpServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String JSON = "application/json";

    private final HttpServer server;
    private final ExecutorService executor;
    private final NodeMetrics metrics;
    private final HealthCheck health;
    private final int nodeId;

    private AdminHttpServer(final HttpServer server, final ExecutorService executor, final NodeMetrics metrics,
                            final HealthCheck health, final int nodeId) {
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
        this.health = health;
        this.nodeId = nodeId;
    }

    /**
     * Binds and starts the server.
     *
     * @param nodeId this node's id, for thread names and logs
     * @param host address to bind (e.g. listener.host)
     * @param port port to bind (metrics.port); 0 picks a free one, see {@link #port()}
     * @param metrics what {@code /metrics} exports
     * @param health what {@code /health/ready} asks
     * @return the running server
     * @throws IOException when the port cannot be bound
     */
    public static AdminHttpServer start(final int nodeId, final String host, final int port,
                                        final NodeMetrics metrics, final HealthCheck health) throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
        final ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            final Thread t = new Thread(r, "ferry-admin-http-" + nodeId);
            t.setDaemon(true);
            return t;
        });
        final AdminHttpServer admin = new AdminHttpServer(server, executor, metrics, health, nodeId);
        server.createContext("/", admin::handle);
        server.setExecutor(executor);
        server.start();
        LOG.info("node={} admin http server on {}:{} (/metrics, /health/live, /health/ready)", nodeId, host,
            admin.port());
        return admin;
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return the bound address */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(final HttpExchange exchange) throws IOException {
        try (exchange) {
            final String path = exchange.getRequestURI().getPath();
            if (!List.of("/metrics", "/health/live", "/health/ready").contains(path)) {
                send(exchange, 404, "text/plain; charset=utf-8", bytes("not found: " + path + "\n"));
                return;
            }
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, "text/plain; charset=utf-8", bytes("method not allowed\n"));
                return;
            }
            switch (path) {
                case "/metrics":
                    final ByteArrayOutputStream out = new ByteArrayOutputStream(64 << 10);
                    metrics.scrape(out);
                    send(exchange, 200, PROMETHEUS_TEXT, out.toByteArray());
                    break;
                case "/health/live":
                    send(exchange, 200, JSON, bytes("{\"status\":\"live\"}"));
                    break;
                default:
                    ready(exchange);
                    break;
            }
        } catch (final IOException | RuntimeException e) {
            // Never let a failed probe kill the server thread; the client sees a 500 or a reset.
            LOG.warn("node={} admin http {} {} failed: {}", nodeId, exchange.getRequestMethod(),
                exchange.getRequestURI(), e.toString());
            trySend500(exchange, e);
        }
    }

    private void ready(final HttpExchange exchange) throws IOException {
        HealthCheck.Status status;
        try {
            status = health.check();
        } catch (final RuntimeException e) {
            status = HealthCheck.Status.notReady("health check failed: " + e);
        }
        if (status.ready()) {
            send(exchange, 200, JSON, bytes("{\"status\":\"ready\"}"));
            return;
        }
        final StringBuilder sb = new StringBuilder("{\"status\":\"not_ready\",\"reasons\":[");
        for (int i = 0; i < status.reasons().size(); i++) {
            sb.append(i == 0 ? "" : ",").append('"').append(escape(status.reasons().get(i))).append('"');
        }
        send(exchange, 503, JSON, bytes(sb.append("]}").toString()));
    }

    private static void trySend500(final HttpExchange exchange, final Exception e) {
        try {
            send(exchange, 500, "text/plain; charset=utf-8", bytes("internal error: " + e + "\n"));
        } catch (final IOException | RuntimeException ignored) {
            // Headers were already sent, or the client went away: nothing more to tell it.
        }
    }

    private static void send(final HttpExchange exchange, final int code, final String contentType,
                             final byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(body);
        }
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param s text
     * @return s as the inside of a JSON string
     */
    static String escape(final String s) {
        final StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Stops serving, waiting up to a second for exchanges in progress. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (final InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("node={} admin http server stopped", nodeId);
    }
}
