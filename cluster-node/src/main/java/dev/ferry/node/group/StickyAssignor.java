package dev.ferry.node.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The default assignor: balanced, and sticky, so that a membership change moves as few partitions as balance
 * needs (each move is a revocation on one consumer and an assignment on another, with the partition idle in
 * between).
 *
 * <p>Three steps: (1) every member keeps the partitions of its current target that still exist and that it
 * still subscribes to; (2) partitions left without an owner (new partitions, a departed member's) go one by one
 * to the eligible member owning the fewest; (3) while some member owns at least two more than an eligible
 * member of one of its partitions, one such partition moves from the most loaded member to the least loaded.
 * Step 3 strictly lowers the sum of squared counts, so it ends; when all members subscribe to the same topics it
 * ends with counts that differ by at most one, and it moves only partitions above a member's share. Ties break by
 * member id and partition order, so the result is deterministic.
 */
public final class StickyAssignor implements PartitionAssignor {
    /** The name clients ask for. */
    public static final String NAME = "sticky";
    /** The one instance (stateless). */
    public static final StickyAssignor INSTANCE = new StickyAssignor();

    private StickyAssignor() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(final SortedMap<String, SortedSet<String>> subscriptions,
                                                   final Map<String, Set<TopicPartition>> current,
                                                   final Map<String, Integer> partitionCounts) {
        final TreeMap<String, TreeSet<TopicPartition>> out = new TreeMap<>();
        final Set<TopicPartition> owned = new HashSet<>();
        subscriptions.forEach((member, topics) -> {
            final TreeSet<TopicPartition> kept = new TreeSet<>();
            for (final TopicPartition tp : new TreeSet<>(current.getOrDefault(member, Set.of()))) {
                if (eligible(topics, partitionCounts, tp) && owned.add(tp)) {
                    kept.add(tp);
                }
            }
            out.put(member, kept);
        });
        final TreeSet<String> topics = new TreeSet<>();
        subscriptions.values().forEach(topics::addAll);
        for (final String topic : topics) {
            final int count = partitionCounts.getOrDefault(topic, 0);
            for (int p = 0; p < count; p++) {
                final TopicPartition tp = new TopicPartition(topic, p);
                if (!owned.contains(tp)) {
                    final String to = leastLoaded(out, subscriptions, tp);
                    out.get(to).add(tp);
                    owned.add(tp);
                }
            }
        }
        balance(out, subscriptions);
        return new HashMap<>(out);
    }

    private static void balance(final TreeMap<String, TreeSet<TopicPartition>> out,
                                final SortedMap<String, SortedSet<String>> subscriptions) {
        boolean moved = true;
        while (moved) {
            moved = false;
            final List<String> byLoad = new ArrayList<>(out.keySet());
            byLoad.sort((a, b) -> out.get(b).size() != out.get(a).size()
                ? Integer.compare(out.get(b).size(), out.get(a).size()) : a.compareTo(b));
            search:
            for (final String from : byLoad) {
                for (final TopicPartition tp : out.get(from)) {
                    final String to = leastLoaded(out, subscriptions, tp);
                    if (out.get(from).size() - out.get(to).size() >= 2) {
                        out.get(from).remove(tp);
                        out.get(to).add(tp);
                        moved = true;
                        break search;
                    }
                }
            }
        }
    }

    private static String leastLoaded(final TreeMap<String, TreeSet<TopicPartition>> out,
                                      final SortedMap<String, SortedSet<String>> subscriptions,
                                      final TopicPartition tp) {
        String best = null;
        int bestCount = Integer.MAX_VALUE;
        for (final Map.Entry<String, TreeSet<TopicPartition>> e : out.entrySet()) {
            if (subscriptions.get(e.getKey()).contains(tp.topic()) && e.getValue().size() < bestCount) {
                best = e.getKey();
                bestCount = e.getValue().size();
            }
        }
        return best;
    }

    private static boolean eligible(final Set<String> topics, final Map<String, Integer> partitionCounts,
                                    final TopicPartition tp) {
        return topics.contains(tp.topic()) && tp.partition() < partitionCounts.getOrDefault(tp.topic(), 0);
    }
}
