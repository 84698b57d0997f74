package dev.ferry.cli;

import dev.ferry.client.admin.AdminConfig;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.consumer.ConsumerConfig;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerConfig;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where the cluster is and how to talk to it: shared by every client command ({@code @Mixin}).
 * The brokers come from {@code --brokers}, else {@code FERRY_BROKERS}, else 127.0.0.1:9092, as rpk does.
 *
 * <p>{@code --timeout-ms} bounds every cluster call: it becomes the clients' request and API timeouts, and
 * {@link #await} gives up a little after it, so a dead cluster ends in one clear line rather than a hang. Each
 * {@code -X} setting goes to the clients that know its key (the admin and producer refuse keys they do not know);
 * a key no client knows is a usage error.
 */
public final class ClientOptions {
    /** Used when neither --brokers nor FERRY_BROKERS says where the cluster is. */
    public static final String DEFAULT_BROKERS = "127.0.0.1:9092";

    // A call's future fails on its own at the clients' timeout; the grace only catches a future that never does.
    private static final long AWAIT_GRACE_MS = 2_000;
    private static final Set<String> ADMIN_KEYS = Set.of(AdminConfig.CLIENT_ID, AdminConfig.REQUEST_TIMEOUT_MS,
        AdminConfig.DEFAULT_API_TIMEOUT_MS);
    private static final Set<String> PRODUCER_KEYS = Set.of(ProducerConfig.CLIENT_ID, ProducerConfig.ACKS,
        ProducerConfig.LINGER_MS, ProducerConfig.BATCH_SIZE, ProducerConfig.BUFFER_MEMORY, ProducerConfig.MAX_BLOCK_MS,
        ProducerConfig.COMPRESSION_TYPE, ProducerConfig.RETRIES, ProducerConfig.RETRY_BACKOFF_MS,
        ProducerConfig.DELIVERY_TIMEOUT_MS, ProducerConfig.REQUEST_TIMEOUT_MS, ProducerConfig.MAX_IN_FLIGHT,
        ProducerConfig.ENABLE_IDEMPOTENCE);
    private static final Set<String> CONSUMER_KEYS = Set.of(ConsumerConfig.CLIENT_ID, ConsumerConfig.CLIENT_RACK,
        ConsumerConfig.AUTO_OFFSET_RESET, ConsumerConfig.ENABLE_AUTO_COMMIT, ConsumerConfig.AUTO_COMMIT_INTERVAL_MS,
        ConsumerConfig.FETCH_MIN_BYTES, ConsumerConfig.FETCH_MAX_WAIT_MS, ConsumerConfig.FETCH_MAX_BYTES,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES, ConsumerConfig.MAX_POLL_RECORDS, ConsumerConfig.REQUEST_TIMEOUT_MS,
        ConsumerConfig.DEFAULT_API_TIMEOUT_MS, ConsumerConfig.GROUP_REMOTE_ASSIGNOR,
        ConsumerConfig.MAX_POLL_INTERVAL_MS);

    @Option(names = {"-b", "--brokers"}, paramLabel = "HOST:PORT[,HOST:PORT...]", defaultValue = "${env:FERRY_BROKERS}",
        description = "nodes to bootstrap from (default: $FERRY_BROKERS, else " + DEFAULT_BROKERS + ")")
    private String brokers;

    @Option(names = {"-X", "--client-property"}, paramLabel = "KEY=VALUE",
        description = "a client setting (Kafka key names, e.g. -X compression.type=lz4 -X client.rack=a); repeatable")
    private Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "30000",
        description = "give up on a cluster call after this long (default: ${DEFAULT-VALUE})")
    private int timeoutMs;

    /** @return the bootstrap list as given to the client's {@code bootstrap.servers} */
    public String brokers() {
        return brokers == null || brokers.isBlank() ? DEFAULT_BROKERS : brokers;
    }

    /** @return the extra {@code -X} client settings, in the order given */
    public Map<String, String> properties() {
        return properties;
    }

    /** @return the timeout of one cluster call in milliseconds */
    public int timeoutMs() {
        return timeoutMs;
    }

    /**
     * @return an admin client for the brokers, its calls bounded by --timeout-ms
     * @throws UsageException for a bad setting
     */
    public FerryAdmin admin() {
        final Map<String, Object> m = new HashMap<>();
        m.put(AdminConfig.BOOTSTRAP_SERVERS, brokers());
        m.put(AdminConfig.CLIENT_ID, "ferry-cli");
        m.put(AdminConfig.REQUEST_TIMEOUT_MS, positiveTimeout());
        m.put(AdminConfig.DEFAULT_API_TIMEOUT_MS, positiveTimeout());
        m.putAll(only(ADMIN_KEYS));
        try {
            return FerryAdmin.create(m);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * @param overrides settings the command sets (e.g. acks), applied before the -X ones
     * @return a producer for the brokers that blocks and delivers within about --timeout-ms
     * @throws UsageException for a bad setting
     */
    public FerryProducer producer(final Map<String, String> overrides) {
        final Map<String, Object> m = new HashMap<>();
        m.put(ProducerConfig.BOOTSTRAP_SERVERS, brokers());
        m.put(ProducerConfig.CLIENT_ID, "ferry-cli");
        m.put(ProducerConfig.REQUEST_TIMEOUT_MS, positiveTimeout());
        m.put(ProducerConfig.MAX_BLOCK_MS, positiveTimeout());
        // Must cover linger.ms + request.timeout.ms; the second leaves room for a linger given with -X.
        m.put(ProducerConfig.DELIVERY_TIMEOUT_MS, positiveTimeout() + 1_000);
        m.putAll(overrides);
        m.putAll(only(PRODUCER_KEYS));
        try {
            return new FerryProducer(m);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * @param overrides settings the command sets (group.id, auto.offset.reset, ...), applied before the -X ones
     * @return a consumer for the brokers whose blocking calls give up after --timeout-ms
     * @throws UsageException for a bad setting
     */
    public FerryConsumer consumer(final Map<String, String> overrides) {
        final Map<String, Object> m = new HashMap<>();
        m.put(ConsumerConfig.BOOTSTRAP_SERVERS, brokers());
        m.put(ConsumerConfig.CLIENT_ID, "ferry-cli");
        m.put(ConsumerConfig.REQUEST_TIMEOUT_MS, positiveTimeout());
        m.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS, positiveTimeout());
        m.putAll(overrides);
        m.putAll(only(CONSUMER_KEYS));
        try {
            return new FerryConsumer(m);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Waits for a cluster call: its result, or its failure rethrown unwrapped, or a failure saying the cluster did
     * not answer within --timeout-ms.
     *
     * @param call the call
     * @param what what was asked, for the timeout's message
     * @param <T> the result
     * @return the result
     */
    public <T> T await(final CompletableFuture<T> call, final String what) {
        try {
            return call.get(positiveTimeout() + AWAIT_GRACE_MS, TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (final TimeoutException e) {
            throw new IllegalStateException(what + ": no answer from " + brokers() + " within --timeout-ms="
                + timeoutMs, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + ": interrupted", e);
        }
    }

    private int positiveTimeout() {
        if (timeoutMs < 1) {
            throw new UsageException("--timeout-ms must be at least 1, not " + timeoutMs);
        }
        return timeoutMs;
    }

    /** The -X settings whose keys are in the set; fails on a key that no client knows. */
    private Map<String, String> only(final Set<String> keys) {
        final Map<String, String> out = new LinkedHashMap<>();
        for (final Map.Entry<String, String> e : properties.entrySet()) {
            if (!ADMIN_KEYS.contains(e.getKey()) && !PRODUCER_KEYS.contains(e.getKey())
                && !CONSUMER_KEYS.contains(e.getKey())) {
                final Set<String> known = new TreeSet<>(ADMIN_KEYS);
                known.addAll(PRODUCER_KEYS);
                known.addAll(CONSUMER_KEYS);
                throw new UsageException("-X " + e.getKey() + ": not a client setting; known: " + known);
            }
            if (keys.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
