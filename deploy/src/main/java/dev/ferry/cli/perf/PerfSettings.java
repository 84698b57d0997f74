package dev.ferry.cli.perf;

import dev.ferry.cli.ClientOptions;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.NewTopic;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletionException;

/**
 * Builds the client settings of a perf run the way Kafka's tools layer them: bootstrap from {@code --brokers},
 * then the properties file ({@code --producer.config}), then {@code --producer-props}, then {@code -X}; a later
 * source wins. Also creates the topic for runs that ask for it. Stateless.
 */
final class PerfSettings {
    private static final long SETTLE_POLL_MS = 100;

    private PerfSettings() {
    }

    /**
     * @param client --brokers, -X and --timeout-ms
     * @param file a properties file, or null
     * @param props settings from the command line, in order
     * @param includeX whether the -X settings apply to this client
     * @return the merged settings, bootstrap.servers included
     * @throws IOException when the file cannot be read
     */
    static Map<String, Object> merge(final ClientOptions client, final Path file, final Map<String, String> props,
                                     final boolean includeX) throws IOException {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("bootstrap.servers", client.brokers());
        if (file != null) {
            final Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            for (final String k : p.stringPropertyNames()) {
                m.put(k, p.getProperty(k));
            }
        }
        m.putAll(props);
        if (includeX) {
            m.putAll(client.properties());
        }
        return m;
    }

    /** @return admin settings: the bootstrap list and --timeout-ms as the call timeout */
    static Map<String, Object> admin(final ClientOptions client) {
        return Map.of("bootstrap.servers", client.brokers(), "default.api.timeout.ms", client.timeoutMs());
    }

    /**
     * Creates the topic unless it exists already (then its layout is kept, and said so), and waits up to
     * --timeout-ms until every partition is led by its preferred replica with all replicas in sync. A new topic's
     * leaderships first go to whichever replica wins the election and then move to the preferred ones; a run that
     * starts before that sees NOT_LEADER answers, and today's idempotent producer can lose a partition's sequence
     * to them (batches refused as OUT_OF_ORDER_SEQUENCE), so the measured run waits for the settled cluster.
     *
     * @return the topic's partition count
     * @throws InterruptedException when interrupted while waiting
     */
    static int ensureTopic(final ClientOptions client, final String topic, final int partitions,
                           final int replicationFactor, final PrintWriter err) throws InterruptedException {
        try (FerryAdmin admin = FerryAdmin.create(admin(client))) {
            try {
                admin.createTopics(List.of(NewTopic.of(topic, partitions, replicationFactor))).join();
            } catch (final CompletionException e) {
                if (!(e.getCause() instanceof FerryException fe) || fe.code() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                    throw unwrap(e);
                }
                err.println("topic " + topic + " exists already: using it as it is");
            }
            final long deadline = System.nanoTime() + client.timeoutMs() * 1_000_000L;
            TopicDescription d = describe(admin, topic);
            while (!settled(d) && System.nanoTime() < deadline) {
                Thread.sleep(SETTLE_POLL_MS);
                d = describe(admin, topic);
            }
            if (!settled(d)) {
                err.println("topic " + topic + ": leaders not settled after --timeout-ms=" + client.timeoutMs()
                    + "; producing anyway: " + d.partitions());
            }
            return d.partitions().size();
        }
    }

    private static boolean settled(final TopicDescription d) {
        for (final PartitionDescription p : d.partitions()) {
            if (p.replicas().isEmpty() || p.leader() != p.replicas().get(0)
                || !p.inSyncReplicas().containsAll(p.replicas())) {
                return false;
            }
        }
        return !d.partitions().isEmpty();
    }

    /** @return the topic's partition count, from the cluster */
    static int partitionCount(final ClientOptions client, final String topic) {
        try (FerryAdmin admin = FerryAdmin.create(admin(client))) {
            return describe(admin, topic).partitions().size();
        }
    }

    private static TopicDescription describe(final FerryAdmin admin, final String topic) {
        try {
            final TopicDescription d = admin.describeTopics(List.of(topic)).join().get(topic);
            if (d == null) {
                throw new FerryException(ErrorCode.UNKNOWN_TOPIC, "topic " + topic + " does not exist", false, null);
            }
            return d;
        } catch (final CompletionException e) {
            throw unwrap(e);
        }
    }

    /** @return the cause of a failed future, for a one-line message */
    static RuntimeException unwrap(final CompletionException e) {
        return e.getCause() instanceof RuntimeException re ? re : e;
    }
}
