package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The records one {@link FerryConsumer#poll} returned, grouped by partition, each partition's in offset order.
 */
public final class ConsumerRecords implements Iterable<ConsumerRecord> {
    /** No records. */
    public static final ConsumerRecords EMPTY = new ConsumerRecords(Map.of());

    private final Map<TopicPartition, List<ConsumerRecord>> records;

    /** @param records records by partition */
    public ConsumerRecords(final Map<TopicPartition, List<ConsumerRecord>> records) {
        this.records = Collections.unmodifiableMap(new LinkedHashMap<>(records));
    }

    /**
     * @param partition a partition
     * @return its records, in offset order; empty when none
     */
    public List<ConsumerRecord> records(final TopicPartition partition) {
        return records.getOrDefault(partition, List.of());
    }

    /** @return the partitions with records */
    public Set<TopicPartition> partitions() {
        return records.keySet();
    }

    /** @return the number of records */
    public int count() {
        return records.values().stream().mapToInt(List::size).sum();
    }

    /** @return true when there are no records */
    public boolean isEmpty() {
        return count() == 0;
    }

    @Override
    public Iterator<ConsumerRecord> iterator() {
        final List<ConsumerRecord> all = new ArrayList<>(count());
        records.values().forEach(all::addAll);
        return Collections.unmodifiableList(all).iterator();
    }
}
