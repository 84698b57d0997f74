package dev.ferry.client.producer;

import dev.ferry.log.record.CompressionType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The producer's settings, under Kafka's key names and with Kafka's defaults, validated when built: a bad value
 * is refused with a message naming the key. Values may be strings or numbers (booleans for
 * {@code enable.idempotence}; a string or a list for {@code bootstrap.servers}).
 *
 * <p>Immutable.
 */
public final class ProducerConfig {
    /** host:port of nodes to learn the cluster from, comma-separated or a list. Required. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** Sent in every request header. */
    public static final String CLIENT_ID = "client.id";
    /** all / -1 (committed by a majority), 1 (the leader appended) or 0 (no acknowledgement). */
    public static final String ACKS = "acks";
    /** How long a batch waits for more records before it is sent. */
    public static final String LINGER_MS = "linger.ms";
    /** The size of a batch buffer: a batch is sent once full. */
    public static final String BATCH_SIZE = "batch.size";
    /** The most memory for batches not yet acknowledged; send blocks when it is used up. */
    public static final String BUFFER_MEMORY = "buffer.memory";
    /** How long send may block for metadata, the producer id or buffer memory. */
    public static final String MAX_BLOCK_MS = "max.block.ms";
    /** Batch compression: none, lz4, zstd or snappy. */
    public static final String COMPRESSION_TYPE = "compression.type";
    /** How many times a batch is sent again after a retriable error (bounded by delivery.timeout.ms). */
    public static final String RETRIES = "retries";
    /** Wait between two attempts of a batch. */
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    /** The most time between send and the final outcome of a record. */
    public static final String DELIVERY_TIMEOUT_MS = "delivery.timeout.ms";
    /** How long to wait for one Produce response. */
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    /** Produce requests in flight to one node. */
    public static final String MAX_IN_FLIGHT = "max.in.flight.requests.per.connection";
    /** A producer id and sequence numbers so that retries never duplicate records. */
    public static final String ENABLE_IDEMPOTENCE = "enable.idempotence";
    /**
     * The largest record (its serialized size, at its widest) and the largest records part of one Produce
     * request; a bigger record fails at once with {@link RecordTooLargeException}.
     */
    public static final String MAX_REQUEST_SIZE = "max.request.size";

    private static final Set<String> KNOWN = Set.of(BOOTSTRAP_SERVERS, CLIENT_ID, ACKS, LINGER_MS, BATCH_SIZE,
        BUFFER_MEMORY, MAX_BLOCK_MS, COMPRESSION_TYPE, RETRIES, RETRY_BACKOFF_MS, DELIVERY_TIMEOUT_MS,
        REQUEST_TIMEOUT_MS, MAX_IN_FLIGHT, ENABLE_IDEMPOTENCE, MAX_REQUEST_SIZE);
    /** The broker remembers this many batches per producer for duplicate detection. */
    private static final int MAX_IDEMPOTENT_IN_FLIGHT = 5;
    private static final int MIN_BATCH_SIZE = 128;

    private final List<String> bootstrapServers;
    private final String clientId;
    private final int acks;
    private final long lingerMs;
    private final int batchSize;
    private final long bufferMemory;
    private final long maxBlockMs;
    private final CompressionType compression;
    private final int retries;
    private final long retryBackoffMs;
    private final long deliveryTimeoutMs;
    private final int requestTimeoutMs;
    private final int maxInFlight;
    private final boolean idempotence;
    private final int maxRequestSize;

    private ProducerConfig(final Map<String, ?> m) {
        for (final String key : m.keySet()) {
            if (!KNOWN.contains(key)) {
                throw invalid(key, m.get(key), "is not a producer setting; known: " + KNOWN);
            }
        }
        bootstrapServers = servers(m.get(BOOTSTRAP_SERVERS));
        clientId = m.containsKey(CLIENT_ID) ? String.valueOf(m.get(CLIENT_ID)) : "producer";
        acks = parseAcks(m.get(ACKS));
        lingerMs = longValue(m, LINGER_MS, 5, 0, Integer.MAX_VALUE);
        batchSize = (int) longValue(m, BATCH_SIZE, 65_536, MIN_BATCH_SIZE, Integer.MAX_VALUE);
        bufferMemory = longValue(m, BUFFER_MEMORY, 32L << 20, batchSize, Long.MAX_VALUE);
        maxBlockMs = longValue(m, MAX_BLOCK_MS, 60_000, 0, Long.MAX_VALUE);
        compression = parseCompression(m.get(COMPRESSION_TYPE));
        retries = (int) longValue(m, RETRIES, Integer.MAX_VALUE, 0, Integer.MAX_VALUE);
        retryBackoffMs = longValue(m, RETRY_BACKOFF_MS, 100, 0, Integer.MAX_VALUE);
        requestTimeoutMs = (int) longValue(m, REQUEST_TIMEOUT_MS, 30_000, 1, Integer.MAX_VALUE);
        deliveryTimeoutMs = longValue(m, DELIVERY_TIMEOUT_MS, 120_000, 1, Integer.MAX_VALUE);
        if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
            throw invalid(DELIVERY_TIMEOUT_MS, deliveryTimeoutMs, "must be at least linger.ms + request.timeout.ms = "
                + (lingerMs + requestTimeoutMs));
        }
        maxInFlight = (int) longValue(m, MAX_IN_FLIGHT, 5, 1, Integer.MAX_VALUE);
        maxRequestSize = (int) longValue(m, MAX_REQUEST_SIZE, 1_048_576, MIN_BATCH_SIZE, Integer.MAX_VALUE);
        // As in Kafka: idempotence is on unless other settings conflict with it and it was not asked for.
        idempotence = booleanValue(m, ENABLE_IDEMPOTENCE,
            acks == -1 && maxInFlight <= MAX_IDEMPOTENT_IN_FLIGHT && retries > 0);
        if (idempotence && maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) {
            throw invalid(MAX_IN_FLIGHT, maxInFlight, "must be at most " + MAX_IDEMPOTENT_IN_FLIGHT
                + " with enable.idempotence=true");
        }
        if (idempotence && acks != -1) {
            throw invalid(ACKS, m.get(ACKS), "must be all (-1) with enable.idempotence=true");
        }
        if (idempotence && retries == 0) {
            throw invalid(RETRIES, retries, "must be > 0 with enable.idempotence=true");
        }
    }

    /**
     * @param settings the settings by Kafka key name
     * @return the validated config
     * @throws IllegalArgumentException naming the key of a missing, unknown or invalid setting
     */
    public static ProducerConfig from(final Map<String, ?> settings) {
        return new ProducerConfig(settings);
    }

    private static IllegalArgumentException invalid(final String key, final Object value, final String why) {
        return new IllegalArgumentException("invalid producer config: " + key + "=" + value + " " + why);
    }

    private static List<String> servers(final Object value) {
        if (value == null) {
            throw invalid(BOOTSTRAP_SERVERS, null, "is required: give host:port of one or more nodes");
        }
        final List<String> out = new ArrayList<>();
        final Collection<?> parts = value instanceof Collection<?> c ? c : List.of(value.toString().split(","));
        for (final Object part : parts) {
            final String s = String.valueOf(part).trim();
            if (!s.isEmpty()) {
                final int colon = s.lastIndexOf(':');
                if (colon <= 0 || !s.substring(colon + 1).chars().allMatch(Character::isDigit)
                    || colon == s.length() - 1) {
                    throw invalid(BOOTSTRAP_SERVERS, value, "must be host:port addresses; bad: " + s);
                }
                out.add(s);
            }
        }
        if (out.isEmpty()) {
            throw invalid(BOOTSTRAP_SERVERS, value, "is empty: give host:port of one or more nodes");
        }
        return List.copyOf(out);
    }

    private static int parseAcks(final Object value) {
        if (value == null) {
            return -1;
        }
        return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
            case "all", "-1" -> -1;
            case "1" -> 1;
            case "0" -> 0;
            default -> throw invalid(ACKS, value, "must be all, -1, 1 or 0");
        };
    }

    // The hook for lz4 / zstd / snappy: map the name to the codec here once RecordBatchBuilder implements it;
    private static CompressionType parseCompression(final Object value) {
        if (value == null) {
            return CompressionType.NONE;
        }
        final String name = value.toString().trim().toUpperCase(Locale.ROOT);
        for (final CompressionType type : CompressionType.values()) {
            if (type.name().equals(name)) {
                return type;
            }
        }
        throw invalid(COMPRESSION_TYPE, value, "must be one of none, lz4, zstd, snappy");
    }

    private static long longValue(final Map<String, ?> m, final String key, final long def, final long min,
                                  final long max) {
        final Object value = m.get(key);
        if (value == null) {
            return def;
        }
        final long v;
        try {
            v = value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
        } catch (final NumberFormatException e) {
            throw invalid(key, value, "is not a whole number");
        }
        if (v < min || v > max) {
            throw invalid(key, value, "must be in [" + min + ", " + max + "]");
        }
        return v;
    }

    private static boolean booleanValue(final Map<String, ?> m, final String key, final boolean def) {
        final Object value = m.get(key);
        if (value == null) {
            return def;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        final String s = value.toString().trim().toLowerCase(Locale.ROOT);
        if (!new HashSet<>(List.of("true", "false")).contains(s)) {
            throw invalid(key, value, "must be true or false");
        }
        return Boolean.parseBoolean(s);
    }

    /** @return the bootstrap addresses */
    public List<String> bootstrapServers() {
        return bootstrapServers;
    }

    /** @return the client id */
    public String clientId() {
        return clientId;
    }

    /** @return -1 (all), 1 or 0 */
    public int acks() {
        return acks;
    }

    /** @return linger.ms */
    public long lingerMs() {
        return lingerMs;
    }

    /** @return batch.size in bytes */
    public int batchSize() {
        return batchSize;
    }

    /** @return buffer.memory in bytes */
    public long bufferMemory() {
        return bufferMemory;
    }

    /** @return max.block.ms */
    public long maxBlockMs() {
        return maxBlockMs;
    }

    /** @return the batch codec */
    public CompressionType compression() {
        return compression;
    }

    /** @return retries */
    public int retries() {
        return retries;
    }

    /** @return retry.backoff.ms */
    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    /** @return delivery.timeout.ms */
    public long deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    /** @return request.timeout.ms */
    public int requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /** @return max.in.flight.requests.per.connection */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** @return max.request.size in bytes */
    public int maxRequestSize() {
        return maxRequestSize;
    }

    /** @return enable.idempotence */
    public boolean idempotence() {
        return idempotence;
    }
}
