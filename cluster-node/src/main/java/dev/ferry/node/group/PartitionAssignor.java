package dev.ferry.node.group;

import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;

/**
 * Computes a group's target assignment on the coordinator (KIP-848 server-side assignors). Pure functions of
 * their input, so every coordinator computes the same target for the same group.
 */
public interface PartitionAssignor {

    /** @return the name clients ask for in {@code server_assignor} */
    String name();

    /**
     * @param subscriptions each member's subscribed topics, by member id
     * @param current each member's current target assignment, by member id (missing = none); partitions that no
     *                longer exist or that the member no longer subscribes to are ignored
     * @param partitionCounts the number of partitions of every subscribed topic that exists (missing = unknown
     *                        topic, whose partitions are not assigned)
     * @return every member's new target, one entry per member of {@code subscriptions} (possibly empty); each
     *         partition of a subscribed, existing topic goes to exactly one member subscribed to its topic
     */
    Map<String, Set<TopicPartition>> assign(SortedMap<String, SortedSet<String>> subscriptions,
                                            Map<String, Set<TopicPartition>> current,
                                            Map<String, Integer> partitionCounts);

    /**
     * @param name an assignor name; empty for the default
     * @return the assignor, or null when there is none of that name
     */
    static PartitionAssignor forName(final String name) {
        if (name == null || name.isEmpty() || StickyAssignor.NAME.equals(name)) {
            return StickyAssignor.INSTANCE;
        }
        if (RangeAssignor.NAME.equals(name)) {
            return RangeAssignor.INSTANCE;
        }
        return null;
    }
}
