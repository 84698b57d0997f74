package dev.ferry.client.admin;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Settings of a {@link FerryAdmin}, with Kafka's key names, validated when built; a bad value fails with a message
 * naming its key.
 *
 * @param bootstrapServers host:port of one or more nodes ({@value #BOOTSTRAP_SERVERS})
 * @param clientId sent with every request ({@value #CLIENT_ID})
 * @param requestTimeoutMs how long one request may wait for its response ({@value #REQUEST_TIMEOUT_MS})
 * @param defaultApiTimeoutMs how long one admin call may take, retries included ({@value #DEFAULT_API_TIMEOUT_MS})
 */
public record AdminConfig(List<String> bootstrapServers, String clientId, int requestTimeoutMs,
                          int defaultApiTimeoutMs) {
    /** Comma-separated host:port list, required. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Default "ferry-admin". */
    public static final String CLIENT_ID = "client.id";
    /** Default 30000. */
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    /** Default 60000. */
    public static final String DEFAULT_API_TIMEOUT_MS = "default.api.timeout.ms";

    private static final Set<String> KEYS = Set.of(BOOTSTRAP_SERVERS, CLIENT_ID, REQUEST_TIMEOUT_MS,
        DEFAULT_API_TIMEOUT_MS);

    /** Validates every field. */
    public AdminConfig {
        if (bootstrapServers == null || bootstrapServers.isEmpty()) {
            throw invalid(BOOTSTRAP_SERVERS, bootstrapServers, "give at least one host:port");
        }
        for (final String address : bootstrapServers) {
            final int colon = address.lastIndexOf(':');
            if (colon <= 0 || !isPort(address.substring(colon + 1))) {
                throw invalid(BOOTSTRAP_SERVERS, address, "not a host:port address");
            }
        }
        bootstrapServers = List.copyOf(bootstrapServers);
        if (clientId == null) {
            throw invalid(CLIENT_ID, null, "must not be null");
        }
        if (requestTimeoutMs < 1) {
            throw invalid(REQUEST_TIMEOUT_MS, requestTimeoutMs, "must be at least 1");
        }
        if (defaultApiTimeoutMs < 1) {
            throw invalid(DEFAULT_API_TIMEOUT_MS, defaultApiTimeoutMs, "must be at least 1");
        }
    }

    /**
     * @param settings keys and values (strings, numbers, or for bootstrap.servers also a collection)
     * @return the config with defaults for the keys not given
     * @throws IllegalArgumentException naming the key of a missing, malformed or unknown setting
     */
    public static AdminConfig from(final Map<String, ?> settings) {
        for (final String key : settings.keySet()) {
            if (!KEYS.contains(key)) {
                throw invalid(key, settings.get(key), "unknown admin setting; known: " + KEYS);
            }
        }
        return new AdminConfig(servers(settings.get(BOOTSTRAP_SERVERS)),
            settings.containsKey(CLIENT_ID) ? String.valueOf(settings.get(CLIENT_ID)) : "ferry-admin",
            intValue(settings, REQUEST_TIMEOUT_MS, 30_000), intValue(settings, DEFAULT_API_TIMEOUT_MS, 60_000));
    }

    /**
     * @param bootstrapServers host:port,host:port
     * @return the config with every other setting at its default
     */
    public static AdminConfig of(final String bootstrapServers) {
        final Map<String, Object> m = new HashMap<>();
        m.put(BOOTSTRAP_SERVERS, bootstrapServers);
        return from(m);
    }

    private static List<String> servers(final Object value) {
        final List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            c.forEach(v -> out.add(String.valueOf(v).trim()));
        } else if (value != null) {
            for (final String s : String.valueOf(value).split(",")) {
                if (!s.isBlank()) {
                    out.add(s.trim());
                }
            }
        }
        return out;
    }

    private static int intValue(final Map<String, ?> settings, final String key, final int defaultValue) {
        final Object value = settings.get(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Integer i) {
            return i;
        }
        try {
            return Integer.parseInt(String.valueOf(value).trim());
        } catch (final NumberFormatException e) {
            throw invalid(key, value, "not an integer");
        }
    }

    private static boolean isPort(final String s) {
        try {
            final int port = Integer.parseInt(s);
            return port > 0 && port < 65_536;
        } catch (final NumberFormatException e) {
            return false;
        }
    }

    private static IllegalArgumentException invalid(final String key, final Object value, final String why) {
        return new IllegalArgumentException("invalid admin config " + key + "=" + value + ": " + why);
    }
}
