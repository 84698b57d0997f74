package dev.ferry.chaos.workload;

import dev.ferry.client.admin.AdminConfig;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Creates the workload's topic when it is missing (replication factor min(3, nodes) unless set) and finds its
 * partition count, retrying while the cluster is still forming (no controller, nodes not registered yet).
 *
 * <p>Stateless; thread-safe.
 */
final class TopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    /** How long, in API timeouts, a forming cluster gets to accept the topic. */
    private static final int API_TIMEOUTS = 3;
    private static final long BACK_OFF_NS = TimeUnit.MILLISECONDS.toNanos(500);

    private TopicSetup() {
    }

    /**
     * @param bootstrap host:port of the nodes
     * @param settings the topic, its layout and the timeouts
     * @return the topic's partition count
     * @throws IllegalStateException naming the topic and the last error when it cannot be created or described
     */
    static int ensure(final List<String> bootstrap, final WorkloadSettings settings) {
        final Map<String, Object> props = Map.of(AdminConfig.BOOTSTRAP_SERVERS, String.join(",", bootstrap),
            AdminConfig.CLIENT_ID, ChaosWorkload.CLIENT_PREFIX + "admin",
            AdminConfig.REQUEST_TIMEOUT_MS, settings.requestTimeoutMs(),
            AdminConfig.DEFAULT_API_TIMEOUT_MS, settings.apiTimeoutMs());
        final long deadline = System.nanoTime()
            + TimeUnit.MILLISECONDS.toNanos((long) API_TIMEOUTS * settings.apiTimeoutMs());
        Exception last = null;
        try (FerryAdmin admin = FerryAdmin.create(props)) {
            do {
                try {
                    return ensure(admin, settings);
                } catch (final ExecutionException | TimeoutException | FerryException e) {
                    last = e;
                    LOG.info("topic={} not ready yet (nodes still registering?): {}", settings.topic(), e.toString());
                    LockSupport.parkNanos(BACK_OFF_NS);
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    last = e;
                    break;
                }
            } while (System.nanoTime() - deadline < 0);
        }
        throw new IllegalStateException("workload topic=" + settings.topic() + " could not be created or described: "
            + last, last);
    }

    private static int ensure(final FerryAdmin admin, final WorkloadSettings settings)
        throws ExecutionException, TimeoutException, InterruptedException {
        final String topic = settings.topic();
        if (!get(admin.listTopics(), settings).contains(topic)) {
            final int factor = settings.replicationFactor() > 0 ? settings.replicationFactor()
                : Math.min(3, get(admin.describeCluster(), settings).nodes().size());
            try {
                get(admin.createTopics(List.of(NewTopic.of(topic, settings.partitions(), factor))), settings);
                LOG.info("topic={} created partitions={} replicationFactor={}", topic, settings.partitions(), factor);
            } catch (final ExecutionException e) {
                if (!(e.getCause() instanceof FerryException fe && fe.code() == ErrorCode.TOPIC_ALREADY_EXISTS)) {
                    throw e;
                }
            }
        }
        final TopicDescription description = get(admin.describeTopics(List.of(topic)), settings).get(topic);
        return description.partitions().size();
    }

    private static <T> T get(final CompletableFuture<T> future, final WorkloadSettings settings)
        throws ExecutionException, TimeoutException, InterruptedException {
        return future.get(2L * settings.apiTimeoutMs(), TimeUnit.MILLISECONDS);
    }
}
