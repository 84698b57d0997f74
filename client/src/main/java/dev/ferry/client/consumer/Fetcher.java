package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import io.netty.buffer.ByteBuf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Fetches for a consumer: at most one Fetch in flight per node, each for the assigned partitions that node serves
 * best (see {@link ReplicaSelector}) and that have nothing buffered, so that the next records are on their way
 * while the application handles the last ones. Responses are parsed (and every batch checked) on the network
 * thread and handed to the consumer's thread through {@code post}; everything else runs on the consumer's thread.
 */
final class Fetcher {
    private static final Logger LOG = LoggerFactory.getLogger(Fetcher.class);

    /** One partition's part of a Fetch response. */
    record PartitionResult(TopicPartition tp, long fetchOffset, ErrorCode error, String message, long highWatermark,
                           List<ConsumerRecord> records, FerryException failure) {
    }

    private static final class Completed {
        private final TopicPartition tp;
        private final List<ConsumerRecord> records;
        private final FerryException failure;
        private long expectedPosition;
        private int index;

        Completed(final TopicPartition tp, final long fetchOffset, final List<ConsumerRecord> records,
                  final FerryException failure) {
            this.tp = tp;
            this.expectedPosition = fetchOffset;
            this.records = records;
            this.failure = failure;
        }
    }

    private final NetworkClient network;
    private final ConsumerConfig config;
    private final Consumer<Runnable> post;
    private final Set<Integer> nodesInFlight = new HashSet<>();
    private final Set<TopicPartition> partitionsInFlight = new HashSet<>();
    private final ArrayDeque<Completed> buffered = new ArrayDeque<>();
    private boolean metadataRefreshing;

    Fetcher(final NetworkClient network, final ConsumerConfig config, final Consumer<Runnable> post) {
        this.network = network;
        this.config = config;
        this.post = post;
    }

    /** Sends a Fetch to every node that has none in flight and serves a partition ready to fetch. */
    void send(final Map<TopicPartition, PartitionState> assigned) {
        final Map<Integer, Map<TopicPartition, Long>> byNode = new HashMap<>();
        final Set<String> unknown = new HashSet<>();
        for (final Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            final TopicPartition tp = e.getKey();
            final PartitionState st = e.getValue();
            if (st.paused || st.position < 0 || partitionsInFlight.contains(tp) || hasBuffered(tp)) {
                continue;
            }
            final int node = ReplicaSelector.choose(network.metadata(), tp, config.clientRack(), st.avoid);
            if (node < 0 || network.metadata().node(node) == null) {
                unknown.add(tp.topic());
                continue;
            }
            if (!nodesInFlight.contains(node)) {
                byNode.computeIfAbsent(node, n -> new LinkedHashMap<>()).put(tp, st.position);
            }
        }
        if (!unknown.isEmpty()) {
            refreshMetadata(unknown);
        }
        byNode.forEach(this::sendTo);
    }

    void refreshMetadata(final Set<String> topics) {
        if (metadataRefreshing) {
            return;
        }
        metadataRefreshing = true;
        network.refreshMetadata(topics, config.requestTimeoutMs())
            .whenComplete((m, e) -> post.accept(() -> metadataRefreshing = false));
    }

    private void sendTo(final int node, final Map<TopicPartition, Long> offsets) {
        final FetchRequest.Builder b = FetchRequest.newBuilder().setMaxWaitMs(config.fetchMaxWaitMs())
            .setMinBytes(config.fetchMinBytes()).setMaxBytes(config.fetchMaxBytes()).setRack(config.clientRack());
        offsets.forEach((tp, offset) -> b.addPartitions(FetchPartition.newBuilder().setTopic(tp.topic())
            .setPartition(tp.partition()).setFetchOffset(offset)
            .setPartitionMaxBytes(config.maxPartitionFetchBytes())));
        nodesInFlight.add(node);
        partitionsInFlight.addAll(offsets.keySet());
        network.send(node, ApiKey.FETCH, b.build(), null, config.requestTimeoutMs() + config.fetchMaxWaitMs())
            .whenComplete((r, e) -> {
                List<PartitionResult> results = null;
                Throwable error = e;
                if (r != null) {
                    try (ClientResponse response = r) {
                        results = parse(response.body(FetchResponse.parser()), response.records(), offsets);
                    } catch (final RuntimeException ex) {
                        error = ex;
                    }
                }
                final List<PartitionResult> parsed = results;
                final Throwable failure = error;
                post.accept(() -> complete(node, offsets, parsed, failure));
            });
    }

    /**
     * Parses a Fetch response: the records part holds each partition's batches in result order.
     *
     * @param body the response body
     * @param records the response's records part
     * @param offsets the fetch offset of each requested partition
     * @return one result per partition; a damaged batch gives a result with a CORRUPT_BATCH failure, no records
     */
    static List<PartitionResult> parse(final FetchResponse body, final ByteBuf records,
                                       final Map<TopicPartition, Long> offsets) {
        final BatchReader reader = new BatchReader();
        final List<PartitionResult> out = new ArrayList<>();
        int at = records.readerIndex();
        for (final FetchPartitionResult p : body.getResultsList()) {
            final TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
            final int bytes = p.getRecordsBytes();
            if (bytes < 0 || at + bytes > records.writerIndex()) {
                out.add(new PartitionResult(tp, offsets.getOrDefault(tp, -1L), ErrorCode.CORRUPT_BATCH, "", -1,
                    List.of(), new FerryException(ErrorCode.CORRUPT_BATCH, "CORRUPT_BATCH: fetch response says "
                    + bytes + " record bytes for partition=" + tp + " but only " + (records.writerIndex() - at)
                    + " remain", false, null)));
                at = records.writerIndex();
                continue;
            }
            final Long fetchOffset = offsets.get(tp);
            List<ConsumerRecord> list = List.of();
            FerryException failure = null;
            if (bytes > 0 && fetchOffset != null && p.getError() == ErrorCode.NONE) {
                try {
                    list = reader.read(tp, records.nioBuffer(at, bytes), fetchOffset);
                } catch (final FerryException e) {
                    failure = e;
                }
            }
            at += bytes;
            out.add(new PartitionResult(tp, fetchOffset == null ? -1 : fetchOffset, p.getError(),
                p.getErrorMessage(), p.getHighWatermark(), list, failure));
        }
        return out;
    }

    private void complete(final int node, final Map<TopicPartition, Long> offsets,
                          final List<PartitionResult> results, final Throwable error) {
        nodesInFlight.remove(node);
        partitionsInFlight.removeAll(offsets.keySet());
        if (owner == null) {
            return;
        }
        if (results == null) {
            LOG.debug("node={} fetch failed: {}", node, String.valueOf(error));
            offsets.keySet().forEach(tp -> avoid(tp, node));
            refreshMetadata(topics(offsets.keySet()));
            return;
        }
        for (final PartitionResult r : results) {
            final PartitionState st = owner.get(r.tp());
            if (st == null || st.position != r.fetchOffset() || st.paused) {
                continue;
            }
            if (r.failure() != null) {
                buffered.add(new Completed(r.tp(), r.fetchOffset(), List.of(), r.failure()));
                continue;
            }
            if (r.error() == ErrorCode.NONE) {
                st.highWatermark = r.highWatermark();
                if (!r.records().isEmpty()) {
                    buffered.add(new Completed(r.tp(), r.fetchOffset(), r.records(), null));
                }
            } else if (r.error() == ErrorCode.OFFSET_OUT_OF_RANGE
                && network.metadata().leader(r.tp().topic(), r.tp().partition()) == node) {
                LOG.info("partition={} node={} offset={} out of range: resetting by auto.offset.reset", r.tp(), node,
                    r.fetchOffset());
                st.position = -1;
                st.reset = true;
            } else {
                LOG.debug("partition={} node={} fetch error {}: {}", r.tp(), node, r.error(), r.message());
                avoid(r.tp(), node);
                refreshMetadata(Set.of(r.tp().topic()));
            }
        }
    }

    private Map<TopicPartition, PartitionState> owner;

    /** @param assigned the consumer's partitions, which responses are matched against */
    void attach(final Map<TopicPartition, PartitionState> assigned) {
        this.owner = assigned;
    }

    private void avoid(final TopicPartition tp, final int node) {
        final PartitionState st = owner.get(tp);
        if (st != null) {
            if (st.avoid.size() >= network.metadata().replicas(tp.topic(), tp.partition()).size()) {
                st.avoid.clear();
            }
            st.avoid.add(node);
        }
    }

    private static Set<String> topics(final Set<TopicPartition> tps) {
        final Set<String> t = new HashSet<>();
        tps.forEach(tp -> t.add(tp.topic()));
        return t;
    }

    private boolean hasBuffered(final TopicPartition tp) {
        for (final Completed c : buffered) {
            if (c.tp.equals(tp)) {
                return true;
            }
        }
        return false;
    }

    /** Drops what is buffered for a partition (after a seek, pause or revocation). */
    void clear(final TopicPartition tp) {
        buffered.removeIf(c -> c.tp.equals(tp));
    }

    /** @return true when records (or an error) wait to be returned */
    boolean hasBuffered() {
        return !buffered.isEmpty();
    }

    /**
     * Takes up to max buffered records, advancing positions.
     *
     * @throws FerryException a batch failure, once the records before it were returned
     */
    Map<TopicPartition, List<ConsumerRecord>> drain(final int max) {
        final Map<TopicPartition, List<ConsumerRecord>> out = new LinkedHashMap<>();
        int n = 0;
        final Iterator<Completed> it = buffered.iterator();
        while (n < max && it.hasNext()) {
            final Completed c = it.next();
            final PartitionState st = owner.get(c.tp);
            if (st == null || st.paused || st.position != c.expectedPosition) {
                it.remove();
                continue;
            }
            if (c.failure != null) {
                if (out.isEmpty()) {
                    it.remove();
                    throw c.failure;
                }
                break;
            }
            final List<ConsumerRecord> taken = out.computeIfAbsent(c.tp, t -> new ArrayList<>());
            while (n < max && c.index < c.records.size()) {
                final ConsumerRecord r = c.records.get(c.index++);
                if (r.offset() >= st.position) {
                    taken.add(r);
                    st.position = r.offset() + 1;
                    n++;
                }
            }
            c.expectedPosition = st.position;
            if (c.index >= c.records.size()) {
                it.remove();
            }
        }
        out.values().removeIf(List::isEmpty);
        return out;
    }
}
