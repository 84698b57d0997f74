package dev.ferry.client.producer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.RecordBatchBuilder;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends records to a Ferry cluster as Kafka's producer does: {@link #send} picks the partition, appends the record
 * to that partition's batch in a bounded buffer and returns at once (blocking only for metadata, the producer id
 * or buffer memory, up to {@code max.block.ms}); a sender thread ships full or lingered batches to each
 * partition's leader and completes the futures. Idempotent by default: retries after a timeout or a leader change
 * never duplicate or reorder records of a partition.
 *
 * <pre>{@code
 * try (FerryProducer producer = new FerryProducer(Map.of("bootstrap.servers", "127.0.0.1:9092"))) {
 *     producer.send(new ProducerRecord("orders", key, value)).join();
 * }
 * }</pre>
 *
 * <p>Thread-safe: one producer is meant to be shared by every thread of an application. Futures complete and
 * callbacks run on the producer's sender thread: they must not block (and must not call {@link #flush()}). A send
 * that fails before its record is buffered (no metadata, no producer id or no memory within max.block.ms) fails
 * its future and calls its callback on the caller's thread.
 *
 * <p>With idempotence, a batch that fails for good (delivery.timeout.ms expired, or a non-retriable error) would
 * leave a gap in its partition's sequence numbers that the broker refuses later batches for; as Kafka's producer,
 * this one then resets its idempotent state: once the batches already sent are resolved it takes a new producer id
 * and restarts every partition's sequences at 0, so later sends succeed. A record larger than
 * {@code max.request.size} fails at once with a {@link RecordTooLargeException}.
 */
public final class FerryProducer implements AutoCloseable {
    private final ProducerConfig config;
    private final NetworkClient client;
    private final BufferPool pool;
    private final RecordAccumulator accumulator;
    private final Partitioner partitioner = new Partitioner();
    private final CompletableFuture<Void> producerIdReady;
    private final Sender sender;
    private final Thread senderThread;
    private volatile boolean closed;

    /**
     * @param settings the settings by Kafka key name (see {@link ProducerConfig})
     * @throws IllegalArgumentException naming the key of an invalid setting
     */
    public FerryProducer(final Map<String, ?> settings) {
        this(ProducerConfig.from(settings));
    }

    /**
     * Starts the sender thread; connects lazily.
     *
     * @param config the settings
     */
    public FerryProducer(final ProducerConfig config) {
        this.config = config;
        this.client = new NetworkClient(config.bootstrapServers(), ConnectionConfig.defaults(config.clientId()), 1);
        this.pool = new BufferPool(config.bufferMemory(), config.batchSize());
        this.accumulator = new RecordAccumulator(config, pool);
        this.producerIdReady = config.idempotence() ? new CompletableFuture<>()
            : CompletableFuture.completedFuture(null);
        this.sender = new Sender(config, client, accumulator, producerIdReady);
        this.senderThread = new Thread(sender, "ferry-producer-sender-" + config.clientId());
        senderThread.setDaemon(true);
        senderThread.start();
    }

    /**
     * @param record the record
     * @return completes with where the record was stored, or with the error
     * @see #send(ProducerRecord, Callback)
     */
    public CompletableFuture<RecordMetadata> send(final ProducerRecord record) {
        return send(record, null);
    }

    /**
     * Appends the record to its partition's batch. Blocks up to max.block.ms for the topic's metadata, the
     * producer id and buffer memory; failing that, the returned future fails with a {@link FerryException} naming
     * what was missing. A record whose serialized size exceeds max.request.size (or buffer.memory) fails at once
     * with a {@link RecordTooLargeException}.
     *
     * @param record the record
     * @param callback told of the outcome on the sender thread, or null
     * @return completes with where the record was stored, or with the error
     * @throws IllegalStateException after {@link #close()}
     */
    public CompletableFuture<RecordMetadata> send(final ProducerRecord record, final Callback callback) {
        if (closed) {
            throw new IllegalStateException("producer closed: cannot send to topic=" + record.topic());
        }
        final long deadline = System.currentTimeMillis() + config.maxBlockMs();
        try {
            final Header[] headers = record.headers().isEmpty() ? RecordBatchBuilder.NO_HEADERS
                : record.headers().toArray(new Header[0]);
            final int size = RecordAccumulator.upperBound(record.key(), record.value(), headers);
            if (size > config.maxRequestSize()) {
                throw new RecordTooLargeException(size, config.maxRequestSize(), ProducerConfig.MAX_REQUEST_SIZE);
            }
            if (size > config.bufferMemory()) {
                throw new RecordTooLargeException(size, config.bufferMemory(), ProducerConfig.BUFFER_MEMORY);
            }
            await(producerIdReady, deadline, "the producer id (InitProducerId)");
            final int count = partitionCount(record.topic(), deadline);
            if (record.partition() != null && record.partition() >= count) {
                throw new FerryException(ErrorCode.UNKNOWN_PARTITION, "partition=" + record.partition()
                    + " does not exist: topic=" + record.topic() + " has " + count + " partitions", false, null);
            }
            int partition = partitioner.partition(record.topic(), record.partition(), record.key(), count);
            final long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
            final boolean sticky = record.partition() == null && record.key() == null;
            RecordAccumulator.AppendResult result = accumulator.append(
                new TopicPartition(record.topic(), partition), timestamp, record.key(), record.value(), headers,
                callback, remaining(deadline), sticky);
            if (result.aborted()) {
                partition = partitioner.onNewBatch(record.topic(), partition, count);
                result = accumulator.append(new TopicPartition(record.topic(), partition), timestamp, record.key(),
                    record.value(), headers, callback, remaining(deadline), false);
            }
            if (result.batchFull() || result.newBatch()) {
                sender.wakeup();
            }
            return result.future();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(new FerryException(null, "interrupted while sending to topic=" + record.topic(), false,
                e), callback);
        } catch (final FerryException e) {
            return failed(e, callback);
        }
    }

    private static CompletableFuture<RecordMetadata> failed(final FerryException e, final Callback callback) {
        if (callback != null) {
            callback.onCompletion(null, e);
        }
        return CompletableFuture.failedFuture(e);
    }

    private static long remaining(final long deadline) {
        return Math.max(0, deadline - System.currentTimeMillis());
    }

    private void await(final CompletableFuture<?> future, final long deadline, final String what)
        throws InterruptedException {
        try {
            future.get(remaining(deadline), TimeUnit.MILLISECONDS);
        } catch (final TimeoutException e) {
            throw new FerryException(null, "no " + what + " within max.block.ms=" + config.maxBlockMs()
                + " (is the cluster reachable at bootstrap.servers=" + config.bootstrapServers() + "?)", true, e);
        } catch (final ExecutionException e) {
            throw e.getCause() instanceof FerryException fe ? fe
                : new FerryException(null, "no " + what + ": " + e.getCause(), false, e.getCause());
        }
    }

    private int partitionCount(final String topic, final long deadline) throws InterruptedException {
        String why = "";
        while (true) {
            final int known = client.metadata().partitionCount(topic);
            if (known > 0) {
                return known;
            }
            try {
                final TopicMetadata t = client.refreshMetadata(List.of(topic),
                        Math.max(1, Math.min(config.requestTimeoutMs(), remaining(deadline))))
                    .get(remaining(deadline), TimeUnit.MILLISECONDS).topic(topic);
                if (t != null && t.getPartitionsCount() > 0 && t.getError() == ErrorCode.NONE) {
                    return t.getPartitionsCount();
                }
                why = t == null ? "not in the metadata" : t.getError() + " " + t.getErrorMessage();
            } catch (final ExecutionException e) {
                why = String.valueOf(e.getCause());
            } catch (final TimeoutException e) {
                why = "metadata request timed out";
            }
            if (remaining(deadline) <= config.retryBackoffMs()) {
                throw new FerryException(ErrorCode.UNKNOWN_TOPIC, "no metadata for topic=" + topic
                    + " within max.block.ms=" + config.maxBlockMs() + ": " + why, true, null);
            }
            Thread.sleep(config.retryBackoffMs());
        }
    }

    /**
     * Makes every batch ready now and waits until every record sent before the call is acknowledged or failed.
     * Must not be called from a callback.
     */
    public void flush() {
        accumulator.beginFlush();
        try {
            sender.wakeup();
            for (final CompletableFuture<Void> done : accumulator.incompleteBatches()) {
                done.join();
            }
        } finally {
            accumulator.endFlush();
        }
    }

    /**
     * Stops accepting records, sends what is buffered for up to the timeout, then fails what is left and releases
     * the threads and connections. Idempotent.
     *
     * @param timeout how long to wait for buffered records; zero fails them at once
     */
    public void close(final Duration timeout) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        accumulator.close();
        pool.close();
        if (Thread.currentThread() == senderThread) {
            sender.forceClose();
            return;
        }
        sender.initiateClose();
        try {
            final long ms = timeout.toMillis();
            if (ms > 0) {
                senderThread.join(ms);
            }
            if (senderThread.isAlive()) {
                sender.forceClose();
                senderThread.join(config.requestTimeoutMs());
            }
            if (senderThread.isAlive()) {
                senderThread.interrupt();
                senderThread.join(config.requestTimeoutMs());
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            client.close();
        }
    }

    /** Closes, waiting as long as needed for buffered records. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }
}
