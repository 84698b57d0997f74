package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosCluster;
import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.cluster.NodeFirewall;
import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.TopicDescription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a nemesis works with: the cluster, an admin client to find leaders and move them, and the workload's
 * topic.
 *
 * <p>Thread-safe as its parts are.
 */
public final class NemesisContext {
    /** Where the node image keeps partition logs: {@code data.dir} is /var/lib/ferry. */
    private static final String LOGS_DIR = "/var/lib/ferry/logs/";
    private static final String FIRST_SEGMENT = "00000000000000000000.log";
    private static final Logger LOG = LoggerFactory.getLogger(NemesisContext.class);
    private static final long ADMIN_TIMEOUT_MS = 10_000;

    private final ChaosCluster cluster;
    private final FerryAdmin admin;
    private final String topic;
    private final boolean firewallUsable;

    /**
     * @param cluster the running cluster
     * @param admin an admin client of that cluster
     * @param topic the workload's topic
     */
    public NemesisContext(final ChaosCluster cluster, final FerryAdmin admin, final String topic) {
        this.cluster = cluster;
        this.admin = admin;
        this.topic = topic;
        this.firewallUsable = NodeFirewall.usable(cluster.nodes().get(0));
    }

    /** @return the cluster */
    public ChaosCluster cluster() {
        return cluster;
    }

    /** @return the admin client */
    public FerryAdmin admin() {
        return admin;
    }

    /** @return the workload's topic */
    public String topic() {
        return topic;
    }

    /** @return whether node firewalls can be changed (root on the Docker host) */
    public boolean firewallUsable() {
        return firewallUsable;
    }

    /**
     * @return each partition of the topic with its replicas, as the cluster describes it now; empty when the
     *         cluster does not answer in time (a nemesis then picks its target blindly)
     */
    public List<PartitionDescription> partitions() {
        try {
            final Map<String, TopicDescription> d = admin.describeTopics(List.of(topic))
                .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return d.get(topic).partitions();
        } catch (final ExecutionException | TimeoutException e) {
            LOG.warn("topic={} not described, nemesis acts without leaders: {}", topic, e.toString());
            return List.of();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /**
     * @return the partitions of the topic that have no leader or a replica out of sync, one line each; one line
     *         saying so when the cluster does not describe the topic
     */
    public List<String> underReplicated() {
        final List<PartitionDescription> described = partitions();
        if (described.isEmpty()) {
            return List.of("topic " + topic + " not described");
        }
        return described.stream()
            .filter(p -> p.leader() < 0 || !p.inSyncReplicas().containsAll(p.replicas()))
            .map(p -> topic + "-" + p.partition() + " leader=" + p.leader() + " replicas=" + p.replicas()
                + " inSync=" + p.inSyncReplicas())
            .toList();
    }

    /** @return partition to leader node id, for the partitions that have a leader now */
    public Map<TopicPartition, Integer> leaders() {
        final Map<TopicPartition, Integer> m = new TreeMap<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        for (final PartitionDescription p : partitions()) {
            if (p.leader() >= 0) {
                m.put(new TopicPartition(topic, p.partition()), p.leader());
            }
        }
        return m;
    }

    /**
     * @param node a node
     * @return the partitions of the topic it holds a replica of, by number (empty when the cluster does not answer)
     */
    public List<Integer> heldBy(final ChaosNode node) {
        return partitions().stream().filter(d -> d.replicas().contains(node.id()))
            .map(PartitionDescription::partition).toList();
    }

    /**
     * @param partition a partition of the topic
     * @return the path of its first segment file in a node's container ({@code data.dir}/logs/topic-p/)
     */
    public String firstSegmentPath(final int partition) {
        return LOGS_DIR + topic + "-" + partition + "/" + FIRST_SEGMENT;
    }

    /**
     * @param nodes the nodes about to be hit
     * @param leaders leaders as found before the fault
     * @return the partitions those nodes lead
     */
    public static Set<TopicPartition> ledBy(final List<ChaosNode> nodes, final Map<TopicPartition, Integer> leaders) {
        final Set<Integer> ids = new HashSet<>();
        nodes.forEach(n -> ids.add(n.id()));
        final Set<TopicPartition> led = new HashSet<>();
        leaders.forEach((tp, leader) -> {
            if (ids.contains(leader)) {
                led.add(tp);
            }
        });
        return led;
    }
}
