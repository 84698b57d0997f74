package dev.ferry.node.controller;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses replicas for new partitions and replacements for replicas leaving a node, so that replicas and preferred
 * leaders (first replicas) spread evenly over the ALIVE nodes, and a partition's replicas sit on distinct racks
 * when nodes declare racks.
 *
 * <p>Greedy and deterministic: the preferred leader is the node with the fewest preferred leaderships (then the
 * fewest replicas, then the lowest id); each further replica goes to the node with the fewest replicas among
 * those on a rack the partition does not use yet (any rack when every rack is used). Loads start from the image
 * (targets of reassignments in progress count) and grow with every placement made through one instance, so the
 * topics of one request are balanced together. Not thread-safe: one instance per controller request.
 */
public final class PartitionPlacement {
    private final List<Integer> candidates;
    private final Map<Integer, String> racks = new HashMap<>();
    private final Map<Integer, Integer> replicas = new HashMap<>();
    private final Map<Integer, Integer> leaders = new HashMap<>();

    /**
     * @param image the current metadata: ALIVE nodes are the candidates, its assignments the starting load
     */
    public PartitionPlacement(final MetadataImage image) {
        this.candidates = image.placeableNodes();
        for (final int id : candidates) {
            racks.put(id, image.node(id).rack());
            replicas.put(id, 0);
            leaders.put(id, 0);
        }
        for (final TopicInfo t : image.topics().values()) {
            for (final PartitionInfo p : t.partitions()) {
                final List<Integer> holders = p.reassigning() ? p.targetReplicas() : p.replicas();
                for (final int n : holders) {
                    replicas.computeIfPresent(n, (k, v) -> v + 1);
                }
                if (!holders.isEmpty()) {
                    leaders.computeIfPresent(holders.get(0), (k, v) -> v + 1);
                }
            }
        }
    }

    /** @return how many nodes can take new replicas */
    public int candidateCount() {
        return candidates.size();
    }

    /**
     * @param partitions partitions to place
     * @param replicationFactor replicas per partition
     * @return each partition's replicas, preferred leader first
     * @throws IllegalArgumentException when the replication factor exceeds the candidate nodes
     */
    public List<List<Integer>> place(final int partitions, final int replicationFactor) {
        if (replicationFactor > candidates.size() || replicationFactor < 1) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " needs that many alive "
                + "nodes; alive=" + candidates.size());
        }
        final List<List<Integer>> out = new ArrayList<>(partitions);
        for (int i = 0; i < partitions; i++) {
            final List<Integer> chosen = new ArrayList<>(replicationFactor);
            final int leader = candidates.stream().min(Comparator.<Integer>comparingInt(leaders::get)
                .thenComparingInt(replicas::get).thenComparingInt(n -> n)).orElseThrow();
            chosen.add(leader);
            leaders.merge(leader, 1, Integer::sum);
            replicas.merge(leader, 1, Integer::sum);
            while (chosen.size() < replicationFactor) {
                final int next = pickFollower(chosen, Set.of());
                chosen.add(next);
                replicas.merge(next, 1, Integer::sum);
            }
            out.add(List.copyOf(chosen));
        }
        return out;
    }

    /**
     * The target replicas of a partition whose replica on {@code leaving} must move: the leaving node replaced
     * in place (so a preferred leadership moves to the replacement), or dropped when no other node can take it.
     *
     * @param current the partition's replicas
     * @param leaving the node giving up its replica
     * @param excluded nodes that must not receive the replica (besides the current replicas)
     * @return the target replicas
     */
    public List<Integer> replace(final List<Integer> current, final int leaving, final Set<Integer> excluded) {
        final List<Integer> kept = new ArrayList<>(current);
        kept.remove(Integer.valueOf(leaving));
        final Integer next = candidates.stream().anyMatch(n -> !current.contains(n) && !excluded.contains(n))
            ? pickFollower(kept, union(excluded, current)) : null;
        final List<Integer> target = new ArrayList<>(current.size());
        for (final int r : current) {
            if (r != leaving) {
                target.add(r);
            } else if (next != null) {
                target.add(next);
                replicas.merge(next, 1, Integer::sum);
                if (target.size() == 1) {
                    leaders.merge(next, 1, Integer::sum);
                }
            }
        }
        return List.copyOf(target);
    }

    private static Set<Integer> union(final Set<Integer> a, final List<Integer> b) {
        final Set<Integer> s = new HashSet<>(a);
        s.addAll(b);
        return s;
    }

    private int pickFollower(final List<Integer> chosen, final Set<Integer> excluded) {
        final Set<String> usedRacks = new HashSet<>();
        for (final int n : chosen) {
            final String rack = racks.get(n);
            if (rack != null && !rack.isEmpty()) {
                usedRacks.add(rack);
            }
        }
        return candidates.stream().filter(n -> !chosen.contains(n) && !excluded.contains(n))
            .min(Comparator.<Integer>comparingInt(n -> usedRacks.contains(racks.get(n)) ? 1 : 0)
                .thenComparingInt(replicas::get).thenComparingInt(n -> n)).orElseThrow();
    }
}
