package dev.ferry.node.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Kafka's range assignor: per topic, the subscribed members sorted by member id get contiguous ranges of
 * partitions, the first {@code partitions % members} one partition more. Co-partitioned topics land together;
 * it ignores the current assignment, so a membership change may move many partitions.
 */
public final class RangeAssignor implements PartitionAssignor {
    /** The name clients ask for. */
    public static final String NAME = "range";
    /** The one instance (stateless). */
    public static final RangeAssignor INSTANCE = new RangeAssignor();

    private RangeAssignor() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Set<TopicPartition>> assign(final SortedMap<String, SortedSet<String>> subscriptions,
                                                   final Map<String, Set<TopicPartition>> current,
                                                   final Map<String, Integer> partitionCounts) {
        final Map<String, Set<TopicPartition>> out = new HashMap<>();
        final Map<String, List<String>> membersByTopic = new HashMap<>();
        subscriptions.forEach((member, topics) -> {
            out.put(member, new TreeSet<>());
            for (final String topic : topics) {
                // subscriptions is sorted by member id, so each list is too.
                membersByTopic.computeIfAbsent(topic, t -> new ArrayList<>()).add(member);
            }
        });
        membersByTopic.forEach((topic, members) -> {
            final int partitions = partitionCounts.getOrDefault(topic, 0);
            final int per = partitions / members.size();
            final int extra = partitions % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                final int n = per + (i < extra ? 1 : 0);
                final Set<TopicPartition> target = out.get(members.get(i));
                for (int k = 0; k < n; k++) {
                    target.add(new TopicPartition(topic, next++));
                }
            }
        });
        return out;
    }
}
