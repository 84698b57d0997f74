package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.Op;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * One pass over a history into the lookups the checks share: values by id, the final reader's view of each
 * partition, and the reads.
 *
 * <p>Not thread-safe; built once per check.
 */
final class HistoryIndex {
    final History history;
    final Map<String, SentValue> sent = new LinkedHashMap<>();
    final List<Op.Read> reads = new ArrayList<>();
    /** The final reader's view: partition to offset to the first final read there. */
    final Map<TopicPartition, NavigableMap<Long, Op.Read>> finalView = new HashMap<>();
    final Set<String> finalValueIds = new HashSet<>();
    final Set<TopicPartition> partitions = new HashSet<>();
    int orphanResults;

    HistoryIndex(final History history) {
        this.history = history;
        for (final Op op : history.ops()) {
            if (op instanceof Op.Send send) {
                final SentValue value = sent.computeIfAbsent(send.valueId(), id -> new SentValue(send));
                value.sends++;
                if (send.partition() != null) {
                    partitions.add(send.partition());
                }
            } else if (op instanceof Op.SendResult result) {
                final SentValue value = sent.get(result.valueId());
                if (value == null) {
                    orphanResults++;
                } else {
                    value.onResult(result);
                }
                if (result.partition() != null) {
                    partitions.add(result.partition());
                }
            } else if (op instanceof Op.Read read) {
                onRead(read);
            }
        }
    }

    private void onRead(final Op.Read read) {
        reads.add(read);
        partitions.add(read.partition());
        if (read.kind() == ReaderKind.FINAL) {
            finalView.computeIfAbsent(read.partition(), p -> new TreeMap<>()).putIfAbsent(read.offset(), read);
            if (read.valueId() != null) {
                finalValueIds.add(read.valueId());
            }
        }
    }

    /** @return whether the read names a value that was sent, with the checksum it was sent with */
    boolean isValid(final Op.Read read) {
        final SentValue value = read.valueId() == null ? null : sent.get(read.valueId());
        return value != null && value.firstSend.checksum() == read.checksum();
    }

    /** @return the final reader's read at that offset, or null */
    Op.Read finalRead(final TopicPartition partition, final long offset) {
        final NavigableMap<Long, Op.Read> view = finalView.get(partition);
        return view == null ? null : view.get(offset);
    }

    static String at(final TopicPartition partition, final long offset) {
        return partition + "@" + offset;
    }
}
