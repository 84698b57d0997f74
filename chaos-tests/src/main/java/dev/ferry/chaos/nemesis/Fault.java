package dev.ferry.chaos.nemesis;

import dev.ferry.client.TopicPartition;

import java.util.List;
import java.util.Set;

/**
 * A fault a nemesis has planned: what it will do, to whom, and how to do and undo it. Planning comes first so the
 * history records the fault's start before it is injected, and unavailability is never understated.
 *
 * @param description one line for logs and the report, e.g. {@code kill -9 node-2 (leader of chaos-1)}
 * @param targets the nodes it hits, by name
 * @param ledPartitions the partitions the targets led when it was planned (unavailability is measured on those)
 * @param injector does it
 * @param healer undoes it; the scheduler calls it once, after the injector
 */
public record Fault(String description, List<String> targets, Set<TopicPartition> ledPartitions,
                    Runnable injector, Runnable healer) {
    public Fault {
        targets = List.copyOf(targets);
        ledPartitions = Set.copyOf(ledPartitions);
    }
}
