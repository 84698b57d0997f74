package dev.ferry.client.producer;

import dev.ferry.client.TopicPartition;

import dev.ferry.log.record.CompressionType;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordBatchLayout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One record batch of one partition being filled, then sent (maybe several times): the records are written
 * straight into a buffer of the producer's {@link BufferPool}; each record's future and callback wait for the
 * batch's outcome. A retry sends the same bytes, same sequence numbers included, so the broker can drop a
 * duplicate. Only when the broker surely did not store it (the producer's idempotent state was reset) is a batch
 * given a new producer id and sequence ({@link #restamp}): its header is rewritten and its CRC computed again.
 *
 * <p>Not thread-safe: appended to under the accumulator's lock, then owned by the sender thread.
 */
final class ProducerBatch {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerBatch.class);

    private record Pending(CompletableFuture<RecordMetadata> future, Callback callback, long timestamp) {
    }

    final TopicPartition tp;
    final ByteBuffer buffer;
    final long createdMs;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final RecordBatchBuilder builder;
    private final List<Pending> pending = new ArrayList<>();
    private final ScratchPool scratchPool;
    private ByteBuffer scratch;
    private ByteBuffer built;
    private boolean full;
    private long producerId;
    private short producerEpoch;
    /** Whether the stamp changed since the builder was configured or the header last written. */
    private boolean restamped;
    int baseSequence;
    int attempts;
    long retryAtMs;
    /**
     * An older batch of its partition was unacknowledged when this attempt was sent: the broker may take the
     * requests of one connection out of order, so an out-of-order answer to this attempt is worth a retry.
     */
    boolean sentBehindUnacked;
    /** Acknowledged or failed for good (set under the accumulator's lock). */
    boolean resolved;
    /** The broker refused it as out of order after a gap: it was not stored and waits for a new sequence. */
    boolean awaitingNewSequence;

    /**
     * @param scratchPool where the scratch of a compressed batch comes from and goes back to once built
     */
    ProducerBatch(final TopicPartition tp, final ByteBuffer buffer, final long createdMs, final CompressionType codec,
                  final ScratchPool scratchPool, final long producerId, final short producerEpoch,
                  final int baseSequence) {
        this.tp = tp;
        this.buffer = buffer;
        this.createdMs = createdMs;
        this.scratchPool = scratchPool;
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        this.builder = new RecordBatchBuilder(buffer);
        if (codec != CompressionType.NONE) {
            scratch = scratchPool.acquire(buffer.remaining());
            builder.compression(codec, scratch);
        }
        if (producerId >= 0) {
            builder.producerId(producerId).producerEpoch(producerEpoch).baseSequence(baseSequence);
        }
    }

    /**
     * Gives the batch another producer id, epoch and sequence, written into its header when it is next closed.
     * Only for a batch the broker did not store.
     */
    void restamp(final long newProducerId, final short newEpoch, final int newBaseSequence) {
        this.producerId = newProducerId;
        this.producerEpoch = newEpoch;
        this.baseSequence = newBaseSequence;
        this.restamped = true;
        this.awaitingNewSequence = false;
    }

    long producerId() {
        return producerId;
    }

    /** @return the record's future, or null when the batch has no room left for it (then it counts as full) */
    CompletableFuture<RecordMetadata> tryAppend(final long timestamp, final byte[] key, final byte[] value,
                                                final Header[] headers, final Callback callback) {
        if (built != null || full || !builder.hasRoomFor(timestamp, key, value, headers)) {
            full = true;
            return null;
        }
        builder.append(timestamp, key, value, headers);
        final CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        pending.add(new Pending(future, callback, timestamp));
        return future;
    }

    /** @return true once no more records fit or the batch was closed */
    boolean isFull() {
        return full || built != null;
    }

    int recordCount() {
        return pending.size();
    }

    /** Writes the header and the CRC; no record is appended afterwards. Idempotent. */
    ByteBuffer close() {
        if (built == null) {
            built = builder.build();
            releaseScratch();
        }
        if (restamped && producerId >= 0) {
            built.putLong(RecordBatchLayout.PRODUCER_ID_OFFSET, producerId);
            built.putShort(RecordBatchLayout.PRODUCER_EPOCH_OFFSET, producerEpoch);
            built.putInt(RecordBatchLayout.BASE_SEQUENCE_OFFSET, baseSequence);
            built.putInt(RecordBatchLayout.CRC_OFFSET, new RecordBatch().wrap(built, 0).computeCrc());
        }
        restamped = false;
        return built.duplicate();
    }

    /** @return the size of the closed batch in bytes */
    int sizeInBytes() {
        return close().remaining();
    }

    /** Gives the scratch back; for a batch failed before it was built, too. */
    void releaseScratch() {
        if (scratch != null) {
            scratchPool.release(scratch);
            scratch = null;
        }
    }

    /** @param baseOffset the offset of the first record, -1 when unknown (acks=0) */
    void complete(final long baseOffset) {
        for (int i = 0; i < pending.size(); i++) {
            final Pending p = pending.get(i);
            final RecordMetadata m = new RecordMetadata(tp.topic(), tp.partition(),
                baseOffset < 0 ? -1 : baseOffset + i, p.timestamp());
            p.future().complete(m);
            callback(p.callback(), m, null);
        }
        done.complete(null);
    }

    /** @param failure why every record of the batch failed */
    void fail(final RuntimeException failure) {
        releaseScratch();
        for (final Pending p : pending) {
            p.future().completeExceptionally(failure);
            callback(p.callback(), null, failure);
        }
        done.complete(null);
    }

    private void callback(final Callback callback, final RecordMetadata metadata, final Exception failure) {
        if (callback == null) {
            return;
        }
        try {
            callback.onCompletion(metadata, failure);
        } catch (final RuntimeException e) {
            LOG.warn("producer callback failed partition={}", tp, e);
        }
    }

    @Override
    public String toString() {
        return "ProducerBatch(partition=" + tp + ", records=" + pending.size() + ", baseSequence=" + baseSequence
            + ", attempts=" + attempts + ")";
    }
}
