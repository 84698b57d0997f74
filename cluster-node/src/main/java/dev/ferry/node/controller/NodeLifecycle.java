package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A node's membership in the cluster: registers with the controller at start (again whenever the controller
 * answers UNKNOWN_NODE, e.g. after a re-format), then heartbeats every {@code heartbeatIntervalMs} with the
 * partitions it leads, and applies the images and leader tables the controller sends back to the
 * {@link MetadataView}. Adding a node to the cluster is starting one with a new id: it registers and becomes
 * ALIVE. One heartbeat in flight at a time. Thread-safe.
 */
public final class NodeLifecycle implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeLifecycle.class);

    private final NodeRegistration registration;
    private final ControllerClient client;
    private final MetadataView view;
    private final Supplier<Map<String, Long>> ledPartitions;
    private final long heartbeatIntervalMs;
    private final ScheduledExecutorService timer;
    private final AtomicBoolean registered = new AtomicBoolean();
    private final CompletableFuture<Void> firstImage = new CompletableFuture<>();
    private volatile boolean closed;

    /**
     * @param registration this node (use a fresh incarnation id per process start)
     * @param client the controller client
     * @param view where received metadata goes
     * @param ledPartitions partition name (topic-N) to Raft term of the partitions this node leads now
     * @param heartbeatIntervalMs time between heartbeats; well below the controller's session timeout
     */
    public NodeLifecycle(final NodeRegistration registration, final ControllerClient client, final MetadataView view,
                         final Supplier<Map<String, Long>> ledPartitions, final long heartbeatIntervalMs) {
        this.registration = registration;
        this.client = client;
        this.view = view;
        this.ledPartitions = ledPartitions;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "ferry-heartbeat-" + registration.nodeId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts registering and heartbeating in the background.
     *
     * @return completes when the node is registered and holds an image with itself in it
     */
    public CompletableFuture<Void> start() {
        timer.execute(this::tick);
        return firstImage;
    }

    private void tick() {
        if (closed) {
            return;
        }
        final CompletableFuture<?> step = registered.get() ? heartbeat() : client.register(registration)
            .thenRun(() -> {
                registered.set(true);
                LOG.info("node={} registered with the controller", registration.nodeId());
            });
        step.whenComplete((r, e) -> {
            if (e != null) {
                final ControllerException ce = ControllerException.of(e);
                if (ce.error() == ErrorCode.UNKNOWN_NODE) {
                    registered.set(false);
                }
                LOG.warn("node={} {} failed: {}", registration.nodeId(), registered.get() ? "heartbeat"
                    : "registration", ce.getMessage());
            }
            if (!closed) {
                try {
                    timer.schedule(this::tick, registered.get() && e == null ? heartbeatIntervalMs
                        : Math.min(heartbeatIntervalMs, 200), TimeUnit.MILLISECONDS);
                } catch (final java.util.concurrent.RejectedExecutionException ignored) {
                    // closed meanwhile
                }
            }
        });
    }

    private CompletableFuture<HeartbeatResult> heartbeat() {
        final Map<String, Long> led;
        try {
            led = ledPartitions.get();
        } catch (final RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return client.heartbeat(registration.nodeId(), registration.incarnationId(), led, view.image().epoch(),
            view.leaders()).thenApply(r -> {
                view.controllerId(r.controllerId());
                if (r.leaders() != null) {
                    view.applyLeaders(r.leaders());
                }
                if (r.image() != null) {
                    view.apply(r.image());
                }
                if (view.image().node(registration.nodeId()) != null) {
                    firstImage.complete(null);
                }
                return r;
            });
    }

    /** @return the registration this node sends */
    public NodeRegistration registration() {
        return registration;
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
