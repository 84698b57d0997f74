package dev.ferry.node.network;

import dev.ferry.client.protocol.FrameLayout;

/**
 * Settings of the node's network server, validated when built so that a bad value stops the start with a message
 * naming the field. The defaults follow Kafka where it has the same knob ({@code connections.max.idle.ms},
 * {@code max.connections}).
 *
 * @param host the address to bind
 * @param port the port to bind, 0 for an ephemeral port (tests)
 * @param maxFrameBytes the largest request frame accepted (length prefix excluded); a larger prefix closes the
 *                      connection
 * @param maxInFlightPerConnection requests a connection may have outstanding before the server stops reading
 *                                 from it
 * @param idleTimeoutMs a connection with no traffic and no outstanding request for this long is closed
 * @param maxConnections connections accepted at once; more are closed as they arrive
 * @param ioThreads event-loop threads serving connections
 */
public record NetworkConfig(String host, int port, int maxFrameBytes, int maxInFlightPerConnection,
                            long idleTimeoutMs, int maxConnections, int ioThreads) {
    /** Default for {@link #maxInFlightPerConnection()}. */
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 16;
    /** Default for {@link #idleTimeoutMs()}: Kafka's {@code connections.max.idle.ms}. */
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 600_000;
    /** Default for {@link #maxConnections()}. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;

    /** Validates every field. */
    public NetworkConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("invalid network config: host=" + host + " must not be empty");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("invalid network config: port=" + port + " must be in [0, 65535]");
        }
        if (maxFrameBytes < FrameLayout.MIN_FRAME_LENGTH) {
            throw new IllegalArgumentException("invalid network config: maxFrameBytes=" + maxFrameBytes
                + " must be at least " + FrameLayout.MIN_FRAME_LENGTH);
        }
        if (maxInFlightPerConnection < 1) {
            throw new IllegalArgumentException("invalid network config: maxInFlightPerConnection="
                + maxInFlightPerConnection + " must be at least 1");
        }
        if (idleTimeoutMs < 1) {
            throw new IllegalArgumentException("invalid network config: idleTimeoutMs=" + idleTimeoutMs
                + " must be at least 1");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("invalid network config: maxConnections=" + maxConnections
                + " must be at least 1");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("invalid network config: ioThreads=" + ioThreads
                + " must be at least 1");
        }
    }

    /**
     * @param host the address to bind
     * @param port the port, 0 for an ephemeral one
     * @return a config with every other field at its default
     */
    public static NetworkConfig defaults(final String host, final int port) {
        return new NetworkConfig(host, port, FrameLayout.DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION,
            DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS, defaultIoThreads());
    }

    /** @return the default number of event-loop threads: two per core, as Netty's default */
    public static int defaultIoThreads() {
        return 2 * Runtime.getRuntime().availableProcessors();
    }

    /**
     * @param value the new value
     * @return a copy with that max frame size
     */
    public NetworkConfig withMaxFrameBytes(final int value) {
        return new NetworkConfig(host, port, value, maxInFlightPerConnection, idleTimeoutMs, maxConnections,
            ioThreads);
    }

    /**
     * @param value the new value
     * @return a copy with that in-flight limit
     */
    public NetworkConfig withMaxInFlightPerConnection(final int value) {
        return new NetworkConfig(host, port, maxFrameBytes, value, idleTimeoutMs, maxConnections, ioThreads);
    }

    /**
     * @param value the new value
     * @return a copy with that idle timeout
     */
    public NetworkConfig withIdleTimeoutMs(final long value) {
        return new NetworkConfig(host, port, maxFrameBytes, maxInFlightPerConnection, value, maxConnections,
            ioThreads);
    }

    /**
     * @param value the new value
     * @return a copy with that connection limit
     */
    public NetworkConfig withMaxConnections(final int value) {
        return new NetworkConfig(host, port, maxFrameBytes, maxInFlightPerConnection, idleTimeoutMs, value,
            ioThreads);
    }

    /**
     * @param value the new value
     * @return a copy with that many event-loop threads
     */
    public NetworkConfig withIoThreads(final int value) {
        return new NetworkConfig(host, port, maxFrameBytes, maxInFlightPerConnection, idleTimeoutMs, maxConnections,
            value);
    }
}
