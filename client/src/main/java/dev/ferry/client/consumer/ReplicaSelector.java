package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.protocol.proto.NodeEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Picks the replica a consumer fetches a partition from: one in the client's rack when there is one, otherwise one
 * of the partition's replicas (leader and followers) chosen by the partition so that a consumer's fetches spread
 * over the cluster; never a node that just failed for this partition while another is known.
 */
final class ReplicaSelector {
    private ReplicaSelector() {
    }

    /**
     * @param metadata what the client knows of the cluster
     * @param tp the partition
     * @param rack client.rack, empty for none
     * @param avoid nodes that failed for this partition recently
     * @return a node id, or -1 when no replica of the partition is known
     */
    static int choose(final ClusterMetadata metadata, final TopicPartition tp, final String rack,
                      final Set<Integer> avoid) {
        final List<Integer> known = new ArrayList<>();
        for (final int r : metadata.replicas(tp.topic(), tp.partition())) {
            if (metadata.node(r) != null) {
                known.add(r);
            }
        }
        final List<Integer> usable = new ArrayList<>(known);
        usable.removeAll(avoid);
        if (usable.isEmpty()) {
            usable.addAll(known);
        }
        if (usable.isEmpty()) {
            return metadata.leader(tp.topic(), tp.partition());
        }
        if (!rack.isEmpty()) {
            final List<Integer> local = new ArrayList<>();
            for (final int r : usable) {
                final NodeEndpoint n = metadata.node(r);
                if (rack.equals(n.getRack())) {
                    local.add(r);
                }
            }
            if (!local.isEmpty()) {
                return local.get(Math.floorMod(tp.hashCode(), local.size()));
            }
        }
        return usable.get(Math.floorMod(tp.hashCode(), usable.size()));
    }
}
