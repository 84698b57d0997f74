package dev.ferry.node.group;

import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;
import dev.ferry.replication.Acks;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The committed offsets of the groups of one {@code __consumer_offsets} partition that this node leads: a cache
 * in memory, written through to the partition (one record batch per commit, {@link OffsetRecordCodec} records,
 * {@link Acks#ALL}) and rebuilt by {@link #replay} when the node becomes the partition's leader.
 *
 * <p>Writes are applied to the cache only once committed, and in the order they were appended (the same order
 * as in the log), whatever order Raft acknowledges them in; so a reader never sees an offset that a new leader
 * could lose, nor an older commit overwrite a newer one.
 *
 * <p>Not thread-safe: used only on the coordinator's thread ({@code owner}), which also applies writes.
 */
public final class OffsetStore {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetStore.class);
    /** Batches of at most this size (half the default max.batch.bytes), several per commit when needed. */
    private static final int MAX_BATCH_BYTES = 512 << 10;
    /** Room for a batch header and each record's framing, beyond key and value bytes. */
    private static final int BATCH_OVERHEAD_BYTES = 128;
    private static final int RECORD_OVERHEAD_BYTES = 32;
    private static final int READ_BYTES = 1 << 20;

    private final PartitionId partition;
    private final RaftServerHost host;
    private final Executor owner;
    private final String nodeId;
    private final Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /**
     * @param partition the offsets partition
     * @param host the Raft host leading it
     * @param owner the coordinator's thread, where writes are applied
     * @param loaded the offsets replayed from the partition
     */
    public OffsetStore(final PartitionId partition, final RaftServerHost host, final Executor owner,
                       final Map<String, Map<TopicPartition, OffsetAndMetadata>> loaded) {
        this.partition = partition;
        this.host = host;
        this.owner = owner;
        this.nodeId = host.nodeId();
        this.offsets = loaded;
    }

    /**
     * Reads the partition's log from its start up to the high watermark; the latest record per key wins and a
     * tombstone removes the key. Blocking disk I/O: call on a loader thread, never a Raft thread.
     *
     * @param partition the partition, for logs
     * @param log its log
     * @param highWatermark the bound (exclusive)
     * @return offsets by group
     * @throws IOException on a read error
     */
    public static Map<String, Map<TopicPartition, OffsetAndMetadata>> replay(final PartitionId partition,
                                                                          final PartitionLog log,
                                                                          final long highWatermark)
        throws IOException {
        final Map<String, Map<TopicPartition, OffsetAndMetadata>> out = new HashMap<>();
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        long next = log.logStartOffset();
        long records = 0;
        long skipped = 0;
        while (next < highWatermark) {
            final LogReadSlice slice = log.read(next, READ_BYTES, highWatermark);
            if (slice.isEmpty()) {
                break;
            }
            final ByteBuffer buf = ByteBuffer.allocate(slice.sizeInBytes());
            slice.readInto(buf);
            buf.flip();
            int pos = 0;
            while (pos < buf.limit()) {
                batch.wrap(buf, pos);
                cursor.reset(batch);
                while (cursor.next()) {
                    if (cursor.offset() >= next && apply(out, cursor)) {
                        records++;
                    } else {
                        skipped++;
                    }
                }
                pos += batch.sizeInBytes();
            }
            next = slice.nextOffset();
        }
        LOG.info("partition={} offsets replayed up to highWatermark={}: records={} skipped={} groups={}", partition,
            highWatermark, records, skipped, out.size());
        return out;
    }

    private static boolean apply(final Map<String, Map<TopicPartition, OffsetAndMetadata>> out,
                                 final RecordCursor cursor) {
        final OffsetRecordCodec.Key key;
        final OffsetAndMetadata value;
        try {
            key = OffsetRecordCodec.decodeKey(cursor.key());
            if (key == null) {
                return false;
            }
            value = OffsetRecordCodec.decodeValue(cursor.value());
        } catch (final IllegalArgumentException e) {
            LOG.warn("skipping malformed offsets record at offset={}: {}", cursor.offset(), e.getMessage());
            return false;
        }
        put(out, key.group(), key.partition(), value);
        return true;
    }

    private static void put(final Map<String, Map<TopicPartition, OffsetAndMetadata>> out, final String group,
                            final TopicPartition tp, final OffsetAndMetadata value) {
        if (value == null) {
            final Map<TopicPartition, OffsetAndMetadata> g = out.get(group);
            if (g != null) {
                g.remove(tp);
                if (g.isEmpty()) {
                    out.remove(group);
                }
            }
        } else {
            out.computeIfAbsent(group, k -> new HashMap<>()).put(tp, value);
        }
    }

    /**
     * Appends the commits as record batches and applies them here once committed.
     *
     * @param group the group
     * @param commits offsets by partition; a null value deletes the partition's offset (tombstone)
     * @return completes on the owner thread once committed and applied; fails with the append's error
     *         (e.g. {@link dev.ferry.replication.NotLeaderException})
     */
    public CompletableFuture<Void> write(final String group, final Map<TopicPartition, OffsetAndMetadata> commits) {
        final ByteBuffer batches;
        try {
            batches = encode(group, commits);
        } catch (final RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        final CompletableFuture<?> appended = host.append(partition, batches, Acks.ALL);
        // Apply in append order: wait for every earlier write to be applied (or to fail) first.
        final CompletableFuture<Void> applied = tail.handle((v, e) -> null)
            .thenCompose(v -> appended)
            .thenAcceptAsync(r -> commits.forEach((tp, value) -> put(offsets, group, tp, value)), owner);
        tail = applied;
        applied.whenComplete((v, e) -> {
            if (e != null) {
                LOG.warn("partition={} node={} offset commit of group={} failed: {}", partition, nodeId, group,
                    e.toString());
            }
        });
        return applied;
    }

    static ByteBuffer encode(final String group, final Map<TopicPartition, OffsetAndMetadata> commits) {
        final List<byte[]> keys = new ArrayList<>();
        final List<byte[]> values = new ArrayList<>();
        int total = BATCH_OVERHEAD_BYTES;
        for (final Map.Entry<TopicPartition, OffsetAndMetadata> e : new TreeMap<>(commits).entrySet()) {
            final byte[] k = OffsetRecordCodec.encodeKey(group, e.getKey());
            final byte[] v = e.getValue() == null ? null : OffsetRecordCodec.encodeValue(e.getValue());
            keys.add(k);
            values.add(v);
            total += k.length + (v == null ? 0 : v.length) + RECORD_OVERHEAD_BYTES;
        }
        // Every batch may need its own header: size for the worst case of one batch per MAX_BATCH_BYTES.
        final ByteBuffer buf = ByteBuffer.allocate(total + (total / MAX_BATCH_BYTES + 1) * BATCH_OVERHEAD_BYTES);
        final long now = System.currentTimeMillis();
        RecordBatchBuilder builder = null;
        for (int i = 0; i < keys.size(); i++) {
            if (builder != null && (builder.estimatedSizeInBytes() > MAX_BATCH_BYTES
                || !builder.hasRoomFor(now, keys.get(i), values.get(i)))) {
                buf.position(buf.position() + builder.build().limit());
                builder = null;
            }
            if (builder == null) {
                builder = new RecordBatchBuilder(buf);
            }
            builder.append(now, keys.get(i), values.get(i));
        }
        if (builder != null) {
            buf.position(buf.position() + builder.build().limit());
        }
        return buf.flip();
    }

    /**
     * @param group a group
     * @return its committed offsets (a live view: read on the owner thread only)
     */
    public Map<TopicPartition, OffsetAndMetadata> offsets(final String group) {
        return offsets.getOrDefault(group, Map.of());
    }

    /** @return the groups with committed offsets (a live view) */
    public Set<String> groups() {
        return offsets.keySet();
    }

    /** @return the partition */
    public PartitionId partition() {
        return partition;
    }
}
