package dev.ferry.client.producer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.network.NetworkException;
import dev.ferry.client.protocol.Errors;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.InitProducerIdRequest;
import dev.ferry.client.protocol.proto.InitProducerIdResponse;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The producer's I/O thread: gets the producer id, then loops draining ready batches grouped by leader into
 * Produce requests (at most max.in.flight per node), and handles the answers: completes acknowledged batches,
 * puts retriable failures back for a retry after a metadata refresh, fails the rest. Answers arrive on the
 * network's event loop and are handed to this thread as events, so batch state changes on one thread only.
 * After an idempotent batch failed for good, it replaces the producer id once nothing sent under the old one is
 * unresolved (see {@link RecordAccumulator}), as Kafka's producer does.
 *
 * <p>Thread-safe entry points: {@link #wakeup()}, {@link #initiateClose()}, {@link #forceClose()}.
 */
final class Sender implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Sender.class);
    private static final Runnable NOOP = () -> { };
    private static final long MAX_IDLE_MS = 1_000;
    private static final long FORCED_DRAIN_MS = 5_000;
    private static final Set<ErrorCode> REFRESH = EnumSet.of(ErrorCode.NOT_LEADER, ErrorCode.UNKNOWN_TOPIC,
        ErrorCode.UNKNOWN_PARTITION, ErrorCode.LEADER_NOT_AVAILABLE);

    private final ProducerConfig config;
    private final NetworkClient client;
    private final RecordAccumulator accumulator;
    private final CompletableFuture<Void> producerIdReady;
    private final LinkedBlockingQueue<Runnable> events = new LinkedBlockingQueue<>();
    private final Map<Integer, Integer> inFlightPerNode = new HashMap<>();
    /** The partitions of the requests in flight, per node (a partition counted once per request). */
    private final Map<Integer, Map<TopicPartition, Integer>> inFlightPartitions = new HashMap<>();
    private long lastStallRefreshMs = Long.MIN_VALUE / 2;
    private volatile boolean closing;
    private volatile boolean forced;
    private boolean refreshing;
    private boolean networkClosed;
    /** Set by a drain that held batches for a node without an open connection. */
    private boolean connecting;
    private long lastRefreshMs = Long.MIN_VALUE / 2;
    private int inFlightRequests;

    Sender(final ProducerConfig config, final NetworkClient client, final RecordAccumulator accumulator,
           final CompletableFuture<Void> producerIdReady) {
        this.config = config;
        this.client = client;
        this.accumulator = accumulator;
        this.producerIdReady = producerIdReady;
    }

    void wakeup() {
        events.offer(NOOP);
    }

    /** Sends what is left, then ends. */
    void initiateClose() {
        closing = true;
        wakeup();
    }

    /** Fails what is left and ends. */
    void forceClose() {
        forced = true;
        closing = true;
        wakeup();
    }

    @Override
    public void run() {
        try {
            if (!producerIdReady.isDone() && fetchProducerId(() -> !closing)) {
                producerIdReady.complete(null);
            }
            while (!closing) {
                runOnce();
            }
            while (!forced && (accumulator.hasIncomplete() || inFlightRequests > 0)) {
                runOnce();
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final RuntimeException | Error e) {
            LOG.error("producer sender failed client={}", config.clientId(), e);
        } finally {
            shutdown();
        }
    }

    private void shutdown() {
        final FerryException closed = new FerryException(null, "producer closed before the record was sent",
            false, null);
        producerIdReady.completeExceptionally(closed);
        accumulator.expire(System.currentTimeMillis(), true, b -> closed);
        networkClosed = true;
        client.close();
        final long deadline = System.currentTimeMillis() + FORCED_DRAIN_MS;
        while (inFlightRequests > 0 && System.currentTimeMillis() < deadline) {
            try {
                final Runnable event = events.poll(100, TimeUnit.MILLISECONDS);
                if (event != null) {
                    event.run();
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        accumulator.expire(System.currentTimeMillis(), true, b -> closed);
    }

    /**
     * Asks any node for a producer id until one is given; the broker has no epoch bump (InitProducerId carries
     * nothing), so a reset takes a new id, which the partitions do not know and so accept from sequence 0.
     *
     * @param keepTrying whether to try again after a failure
     * @return true once the accumulator has the new id
     */
    private boolean fetchProducerId(final BooleanSupplier keepTrying) throws InterruptedException {
        while (keepTrying.getAsBoolean()) {
            try (ClientResponse response = client.sendToAny(ApiKey.INIT_PRODUCER_ID,
                    InitProducerIdRequest.getDefaultInstance(), config.requestTimeoutMs()).get()) {
                final InitProducerIdResponse body = response.body(InitProducerIdResponse.parser());
                if (body.getError() == ErrorCode.NONE) {
                    if (producerIdReady.isDone()) {
                        accumulator.resetProducerId(body.getProducerId(), (short) body.getProducerEpoch());
                    } else {
                        accumulator.producerId(body.getProducerId(), (short) body.getProducerEpoch());
                    }
                    LOG.info("producer id assigned client={} producerId={} epoch={}", config.clientId(),
                        body.getProducerId(), body.getProducerEpoch());
                    return true;
                }
                LOG.warn("init producer id failed client={} error={} message={}", config.clientId(),
                    body.getError(), body.getErrorMessage());
            } catch (final ExecutionException | RuntimeException e) {
                LOG.warn("init producer id failed client={}: {}", config.clientId(), String.valueOf(e.getCause()));
            }
            final Runnable event = events.poll(config.retryBackoffMs(), TimeUnit.MILLISECONDS);
            if (event != null) {
                event.run();
            }
        }
        return false;
    }

    private void runOnce() throws InterruptedException {
        final long now = System.currentTimeMillis();
        accumulator.expire(now, false, b -> new FerryException(ErrorCode.REQUEST_TIMED_OUT, "expired: "
            + b.recordCount() + " records for partition=" + b.tp + " not acknowledged within delivery.timeout.ms="
            + config.deliveryTimeoutMs() + " (attempts=" + b.attempts + ")", true, null));
        if (accumulator.resetReady()) {
            LOG.info("resetting idempotent producer state after a failed batch client={}", config.clientId());
            fetchProducerId(() -> !forced);
        }
        final Set<TopicPartition> unknownLeaders = new HashSet<>();
        connecting = false;
        final Map<Integer, List<ProducerBatch>> ready = accumulator.drain(client.metadata(), now,
            this::canSendTo, unknownLeaders);
        long maxWait = MAX_IDLE_MS;
        // A leader being connected to may be dead: keep the metadata fresh, so its batches go to the new leader
        // as soon as one is known instead of waiting for the connect to time out.
        if (!unknownLeaders.isEmpty() || connecting) {
            refreshMetadata(now);
            maxWait = Math.max(1, config.retryBackoffMs());
        }
        ready.forEach(this::sendProduce);
        abandonStalledNodes(now);
        final long wait = accumulator.nextReadyDelay(now, maxWait);
        Runnable event = wait > 0 ? events.poll(wait, TimeUnit.MILLISECONDS) : events.poll();
        while (event != null) {
            event.run();
            event = events.poll();
        }
    }

    /**
     * A leader whose machine died without closing its connections (killed, cut off) never answers, and its
     * requests would wait out request.timeout.ms before their batches went to the new leader. When requests to a
     * node have waited {@link NetworkClient#STALLED_MS} without any answer, the metadata is refreshed (from nodes
     * that answer); once it shows every partition of those requests led elsewhere, the connection is given up and
     * the batches retried there at once. Safe under idempotence: a batch the old leader did write is answered as
     * a duplicate by the new one, which holds it if it was committed.
     */
    private void abandonStalledNodes(final long now) {
        for (final Map.Entry<Integer, Map<TopicPartition, Integer>> e : inFlightPartitions.entrySet()) {
            final int node = e.getKey();
            final long waited = client.waitingMs(node);
            if (waited <= NetworkClient.STALLED_MS || e.getValue().isEmpty()) {
                continue;
            }
            if (ledElsewhere(node, e.getValue().keySet())) {
                final String reason = "node=" + node + " has not answered for " + waited + " ms and the metadata"
                    + " shows the leaders of " + e.getValue().keySet() + " on other nodes";
                LOG.info("giving up the connection client={}: {}", config.clientId(), reason);
                client.abandon(node, reason);
            } else if (now - lastStallRefreshMs >= NetworkClient.STALLED_MS) {
                lastStallRefreshMs = now;
                lastRefreshMs = Long.MIN_VALUE / 2;
                refreshMetadata(now);
            }
        }
    }

    private boolean ledElsewhere(final int node, final Set<TopicPartition> partitions) {
        for (final TopicPartition tp : partitions) {
            final int leader = client.metadata().leader(tp.topic(), tp.partition());
            if (leader < 0 || leader == node) {
                return false;
            }
        }
        return true;
    }

    /** Node predicate of the drain: room for another request and an open connection (else one is started). */
    private boolean canSendTo(final int node) {
        if (inFlightPerNode.getOrDefault(node, 0) >= config.maxInFlight()) {
            return false;
        }
        if (client.ready(node, this::wakeup)) {
            return true;
        }
        connecting = true;
        return false;
    }

    private void refreshMetadata(final long now) {
        // After shutdown the answers of requests in flight still arrive here; the network is gone.
        if (networkClosed || refreshing || now - lastRefreshMs < config.retryBackoffMs()) {
            return;
        }
        refreshing = true;
        lastRefreshMs = now;
        client.refreshMetadata(accumulator.topics(), config.requestTimeoutMs()).whenComplete((m, e) -> {
            if (e != null) {
                LOG.debug("metadata refresh failed client={}: {}", config.clientId(), e.toString());
            }
            events.offer(() -> refreshing = false);
        });
    }

    private void sendProduce(final int node, final List<ProducerBatch> batches) {
        final ProduceRequest.Builder request = ProduceRequest.newBuilder().setAcks(config.acks())
            .setTimeoutMs(config.requestTimeoutMs());
        final ByteBuffer[] buffers = new ByteBuffer[batches.size()];
        for (int i = 0; i < buffers.length; i++) {
            final ProducerBatch batch = batches.get(i);
            buffers[i] = batch.close();
            request.addPartitions(ProducePartition.newBuilder().setTopic(batch.tp.topic())
                .setPartition(batch.tp.partition()).setRecordsBytes(buffers[i].remaining()));
        }
        final ByteBuf records = Unpooled.wrappedBuffer(buffers);
        inFlightPerNode.merge(node, 1, Integer::sum);
        final Map<TopicPartition, Integer> partitions = inFlightPartitions.computeIfAbsent(node, n -> new HashMap<>());
        for (final ProducerBatch batch : batches) {
            partitions.merge(batch.tp, 1, Integer::sum);
        }
        inFlightRequests++;
        CompletableFuture<ClientResponse> sent;
        try {
            sent = client.send(node, ApiKey.PRODUCE, request.build(), records, config.requestTimeoutMs());
        } catch (final RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((response, error) -> {
            ProduceResponse body = null;
            Throwable failure = error;
            if (response != null) {
                try (response) {
                    body = response.body(ProduceResponse.parser());
                } catch (final RuntimeException e) {
                    failure = e;
                }
            }
            final ProduceResponse answer = body;
            final Throwable cause = failure;
            events.offer(() -> handleResponse(node, batches, answer, cause));
        });
    }

    private void handleResponse(final int node, final List<ProducerBatch> batches, final ProduceResponse body,
                                final Throwable failure) {
        inFlightPerNode.merge(node, -1, Integer::sum);
        final Map<TopicPartition, Integer> partitions = inFlightPartitions.get(node);
        for (final ProducerBatch batch : batches) {
            partitions.computeIfPresent(batch.tp, (tp, n) -> n == 1 ? null : n - 1);
        }
        inFlightRequests--;
        final long now = System.currentTimeMillis();
        if (failure != null) {
            final Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            final boolean retriable = cause instanceof NetworkException ne ? ne.isRetriable()
                : cause instanceof FerryException fe && fe.isRetriable();
            final RuntimeException error = cause instanceof RuntimeException re ? re
                : new FerryException(null, "produce to node=" + node + " failed: " + cause, false, cause);
            lastRefreshMs = Long.MIN_VALUE / 2;
            refreshMetadata(now);
            for (final ProducerBatch batch : batches) {
                retryOrFail(batch, error, retriable, now, node);
            }
            return;
        }
        final Map<TopicPartition, ProducePartitionResult> results = new HashMap<>();
        body.getResultsList().forEach(r -> results.put(new TopicPartition(r.getTopic(), r.getPartition()), r));
        for (final ProducerBatch batch : batches) {
            final ProducePartitionResult r = results.get(batch.tp);
            if (r == null) {
                retryOrFail(batch, new FerryException(ErrorCode.UNKNOWN_SERVER_ERROR, "no result for partition="
                    + batch.tp + " in the Produce response of node=" + node, false, null), false, now, node);
            } else if (r.getError() == ErrorCode.NONE) {
                accumulator.completed(batch, r.getBaseOffset());
            } else {
                final ErrorCode code = r.getError();
                final boolean outOfOrder = code == ErrorCode.OUT_OF_ORDER_SEQUENCE;
                final boolean retriable = Errors.isRetriable(code)
                    || outOfOrder && (batch.sentBehindUnacked || accumulator.hasOlderUnacked(batch));
                if (outOfOrder && !retriable && accumulator.hasGap(batch.tp)) {
                    LOG.info("batch refused after a sequence gap, waits for a new producer id partition={} node={}",
                        batch.tp, node);
                    accumulator.awaitNewSequence(batch, now);
                    continue;
                }
                if (code == ErrorCode.NOT_LEADER && r.hasLeader() && r.getLeader().getNodeId() != node) {
                    client.leaderMoved(batch.tp.topic(), batch.tp.partition(), r.getLeader());
                }
                if (REFRESH.contains(code)) {
                    lastRefreshMs = Long.MIN_VALUE / 2;
                    refreshMetadata(now);
                }
                retryOrFail(batch, FerryException.of(code, "produce partition=" + batch.tp + " node=" + node + ": "
                    + r.getErrorMessage()), retriable, now, node);
            }
        }
    }

    private void retryOrFail(final ProducerBatch batch, final RuntimeException error, final boolean retriable,
                             final long now, final int node) {
        if (accumulator.failedAttempt(batch, error, retriable, now)) {
            LOG.info("retrying batch partition={} node={} attempt={}: {}", batch.tp, node, batch.attempts,
                error.getMessage());
        } else {
            LOG.warn("batch failed partition={} node={} records={}: {}", batch.tp, node, batch.recordCount(),
                error.getMessage());
        }
    }
}
