package dev.ferry.client.network;

import dev.ferry.client.protocol.FrameLayout;

/**
 * Settings of one connection, validated when built with messages naming the field.
 *
 * @param clientId sent in every request header (logs and quotas on the node)
 * @param connectTimeoutMs how long a connect may take
 * @param maxFrameBytes the largest response frame accepted (length prefix excluded); a larger one closes the
 *                      connection
 */
public record ConnectionConfig(String clientId, long connectTimeoutMs, int maxFrameBytes) {
    /**
     * Default for {@link #connectTimeoutMs()}: a live node answers a connect within milliseconds, even a busy one
     * (the kernel completes the handshake); only a dead machine, which sends nothing back, costs the whole
     * timeout. 3 s allows two lost SYNs and keeps a dead leader from holding a client's requests for long.
     */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 3_000;

    /** Validates every field. */
    public ConnectionConfig {
        if (clientId == null) {
            throw new IllegalArgumentException("invalid connection config: clientId must not be null");
        }
        if (connectTimeoutMs < 1 || connectTimeoutMs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid connection config: connectTimeoutMs=" + connectTimeoutMs
                + " must be in [1, " + Integer.MAX_VALUE + "]");
        }
        if (maxFrameBytes < FrameLayout.MIN_FRAME_LENGTH) {
            throw new IllegalArgumentException("invalid connection config: maxFrameBytes=" + maxFrameBytes
                + " must be at least " + FrameLayout.MIN_FRAME_LENGTH);
        }
    }

    /**
     * @param clientId the client id
     * @return a config with the default timeout and frame size
     */
    public static ConnectionConfig defaults(final String clientId) {
        return new ConnectionConfig(clientId, DEFAULT_CONNECT_TIMEOUT_MS, FrameLayout.DEFAULT_MAX_FRAME_BYTES);
    }
}
