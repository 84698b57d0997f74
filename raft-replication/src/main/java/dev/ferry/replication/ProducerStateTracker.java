package dev.ferry.replication;

import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchLayout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idempotent-producer state of one partition replica: per producer id, its epoch and the sequence numbers and
 * offsets of its last {@value #RETAINED_BATCHES} batches (a producer has at most 5 requests in flight, as in
 * Kafka). The leader's admission gate checks a batch against it before the batch may enter the Raft log; every
 * replica then stores every batch of an entry and records it here, so replicas never judge entries on their own
 * (their states may differ after restarts and catch-ups, their logs must not).
 *
 * <p>Not thread-safe: used by the state machine's write path, under its write lock.
 */
final class ProducerStateTracker {
    /** Batches remembered per producer for duplicate detection. */
    static final int RETAINED_BATCHES = 5;

    /** What to do with a batch. */
    enum Verdict {
        /** Store it: new producer, or the next sequence. */
        APPEND,
        /** A retry of a stored batch: do not store it again; answer with the stored offsets. */
        DUPLICATE,
        /** A gap or a sequence from the past that is no longer remembered: refuse it. */
        OUT_OF_ORDER,
        /** An older epoch than the producer's current one: a zombie producer; refuse it. */
        FENCED
    }

    /** A batch remembered for duplicate detection. */
    private record BatchMeta(short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset) {
    }

    private static final class ProducerEntry {
        short epoch;
        final ArrayDeque<BatchMeta> batches = new ArrayDeque<>(RETAINED_BATCHES);
    }

    private final Map<Long, ProducerEntry> producers = new HashMap<>();
    private BatchMeta lastDuplicate;

    /**
     * @param batch a batch with a producer id (>= 0)
     * @return the verdict; after {@link Verdict#DUPLICATE}, {@link #duplicateFirstOffset()} and
     *         {@link #duplicateLastOffset()} give the stored offsets
     */
    Verdict check(final RecordBatch batch) {
        final ProducerEntry entry = producers.get(batch.producerId());
        if (entry == null) {
            return Verdict.APPEND;
        }
        final short epoch = batch.producerEpoch();
        if (epoch < entry.epoch) {
            return Verdict.FENCED;
        }
        if (epoch > entry.epoch) {
            return batch.baseSequence() == 0 ? Verdict.APPEND : Verdict.OUT_OF_ORDER;
        }
        final int firstSeq = batch.baseSequence();
        final int lastSeq = lastSequence(batch);
        for (final BatchMeta b : entry.batches) {
            if (b.firstSeq == firstSeq && b.lastSeq == lastSeq) {
                lastDuplicate = b;
                return Verdict.DUPLICATE;
            }
        }
        final BatchMeta last = entry.batches.peekLast();
        return last == null || firstSeq == nextSequence(last.lastSeq) ? Verdict.APPEND : Verdict.OUT_OF_ORDER;
    }

    /** @return the first offset of the batch the last {@link Verdict#DUPLICATE} matched */
    long duplicateFirstOffset() {
        return lastDuplicate.firstOffset;
    }

    /** @return the last offset of the batch the last {@link Verdict#DUPLICATE} matched */
    long duplicateLastOffset() {
        return lastDuplicate.lastOffset;
    }

    /**
     * Records a stored batch (its base offset already assigned).
     *
     * @param batch the stored batch with a producer id
     */
    void onAppended(final RecordBatch batch) {
        final ProducerEntry entry = producers.computeIfAbsent(batch.producerId(), id -> new ProducerEntry());
        if (batch.producerEpoch() != entry.epoch) {
            entry.epoch = batch.producerEpoch();
            entry.batches.clear();
        }
        if (entry.batches.size() == RETAINED_BATCHES) {
            entry.batches.pollFirst();
        }
        entry.batches.addLast(new BatchMeta(batch.producerEpoch(), batch.baseSequence(), lastSequence(batch),
            batch.baseOffset(), batch.lastOffset()));
    }

    /**
     * The state as of an offset, for a checkpoint: every remembered batch that ends below it, one line each
     * ({@code producerId,epoch,firstSeq,lastSeq,firstOffset,lastOffset}). Batches at or above it may still be
     * truncated, so they are left out and found again by scanning the log from there.
     *
     * @param belowOffset exclusive bound, the high watermark of the checkpoint
     * @return the encoded state
     */
    String encode(final long belowOffset) {
        final StringBuilder sb = new StringBuilder();
        producers.forEach((id, entry) -> entry.batches.forEach(b -> {
            if (b.lastOffset < belowOffset) {
                sb.append(id).append(',').append(b.epoch).append(',').append(b.firstSeq).append(',')
                    .append(b.lastSeq).append(',').append(b.firstOffset).append(',').append(b.lastOffset)
                    .append(';');
            }
        }));
        return sb.toString();
    }

    /**
     * Replaces the state with a checkpoint's; {@link #rebuild(PartitionLog, long)} then adds the log after it.
     *
     * @param encoded the output of {@link #encode}
     * @throws IllegalArgumentException when the text is malformed
     */
    void load(final String encoded) {
        producers.clear();
        for (final String line : encoded.split(";")) {
            if (line.isBlank()) {
                continue;
            }
            final String[] f = line.split(",");
            if (f.length != 6) {
                throw new IllegalArgumentException("malformed producer state entry: " + line);
            }
            final ProducerEntry entry = producers.computeIfAbsent(Long.parseLong(f[0]), id -> new ProducerEntry());
            final BatchMeta b = new BatchMeta(Short.parseShort(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Long.parseLong(f[4]), Long.parseLong(f[5]));
            if (b.epoch != entry.epoch) {
                entry.epoch = b.epoch;
                entry.batches.clear();
            }
            if (entry.batches.size() == RETAINED_BATCHES) {
                entry.batches.pollFirst();
            }
            entry.batches.addLast(b);
        }
    }

    /**
     * Rebuilds the state from the batch headers of a log (after a restart or a truncation).
     *
     * @param log the partition log
     * @throws IOException on a read error
     */
    void rebuild(final PartitionLog log) throws IOException {
        producers.clear();
        rebuild(log, log.logStartOffset());
    }

    /**
     * Adds the batch headers of a log from an offset on to the current state (after {@link #load}).
     *
     * @param log the partition log
     * @param fromOffset where the loaded state ends
     * @throws IOException on a read error
     */
    void rebuild(final PartitionLog log, final long fromOffset) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(RecordBatchLayout.HEADER_SIZE);
        final RecordBatch batch = new RecordBatch();
        long next = Math.max(fromOffset, log.logStartOffset());
        final long end = log.logEndOffset();
        while (next < end) {
            final LogReadSlice slice = log.read(next, 8 << 20, end);
            if (slice.isEmpty()) {
                break;
            }
            for (long pos = slice.position(); pos < slice.position() + slice.sizeInBytes(); ) {
                header.clear();
                while (header.hasRemaining()) {
                    if (slice.channel().read(header, pos + header.position()) < 0) {
                        throw new IOException("log ended inside a batch header at position=" + pos);
                    }
                }
                batch.wrap(header.flip(), 0);
                if (batch.producerId() >= 0 && batch.lastOffset() >= fromOffset) {
                    onAppended(batch);
                }
                pos += batch.sizeInBytes();
            }
            next = slice.nextOffset();
        }
    }

    /** @return the number of producers tracked */
    int producerCount() {
        return producers.size();
    }

    static int lastSequence(final RecordBatch batch) {
        final long last = (long) batch.baseSequence() + batch.recordCount() - 1;
        return (int) (last > Integer.MAX_VALUE ? last - Integer.MAX_VALUE - 1 : last);
    }

    static int nextSequence(final int seq) {
        return seq == Integer.MAX_VALUE ? 0 : seq + 1;
    }
}
