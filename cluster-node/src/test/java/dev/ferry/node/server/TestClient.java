package dev.ferry.node.server;

import com.google.protobuf.MessageLite;
import dev.ferry.client.network.ClientNetwork;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.MetadataRequest;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.client.protocol.Errors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * The few client calls the node's cluster tests need, over the real protocol (the full client library is
 * issue 5): metadata, create topic, produce to the leader with retries, fetch from a chosen node.
 */
final class TestClient implements AutoCloseable {
    private static final long TIMEOUT_MS = 10_000;

    /** One fetched partition: the result and a copy of its record bytes. */
    record Fetched(FetchPartitionResult result, ByteBuffer records) {
    }

    private final ClientNetwork network = new ClientNetwork(1, "test-client");
    private final Map<String, FerryConnection> connections = new ConcurrentHashMap<>();
    private final Supplier<List<String>> bootstrap;

    TestClient(final Supplier<List<String>> bootstrap) {
        this.bootstrap = bootstrap;
    }

    ClientResponse send(final String address, final ApiKey key, final MessageLite body, final ByteBuf records)
        throws Exception {
        FerryConnection c = connections.get(address);
        if (c == null || !c.isOpen()) {
            final int colon = address.lastIndexOf(':');
            c = network.connect(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)),
                ConnectionConfig.defaults("test-client")).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            connections.put(address, c);
        }
        return c.send(key, body, records, TIMEOUT_MS).get(TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS);
    }

    /** Sends to the first node that answers. */
    <T> T call(final ApiKey key, final MessageLite body, final com.google.protobuf.Parser<T> parser) {
        Exception last = null;
        for (final String address : bootstrap.get()) {
            try (ClientResponse r = send(address, key, body, null)) {
                if (r.error() != ErrorCode.NONE) {
                    throw new IllegalStateException(key + " to " + address + ": " + r.error() + " "
                        + r.header().getErrorMessage());
                }
                return r.body(parser);
            } catch (final Exception e) {
                last = e;
            }
        }
        throw new IllegalStateException("no node answered " + key, last);
    }

    MetadataResponse metadata(final String topic) {
        return call(ApiKey.METADATA, MetadataRequest.newBuilder().addTopics(topic).build(),
            MetadataResponse.parser());
    }

    CreateTopicsResponse createTopic(final String name, final int partitions, final int replicationFactor,
                                     final Map<String, String> configs) {
        return call(ApiKey.CREATE_TOPICS, CreateTopicsRequest.newBuilder().setTimeoutMs(30_000)
            .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                .setReplicationFactor(replicationFactor).putAllConfigs(configs)).build(),
            CreateTopicsResponse.parser());
    }

    /** @return the partition's leader endpoint per the metadata of any node, or null */
    NodeEndpoint leader(final String topic, final int partition) {
        final MetadataResponse md = metadata(topic);
        for (final TopicMetadata t : md.getTopicsList()) {
            for (final PartitionMetadata p : t.getPartitionsList()) {
                if (t.getName().equals(topic) && p.getPartition() == partition) {
                    for (final NodeEndpoint n : md.getNodesList()) {
                        if (n.getNodeId() == p.getLeaderId()) {
                            return n;
                        }
                    }
                }
            }
        }
        return null;
    }

    /**
     * Produces one batch with acks=all to the partition's leader, retrying retriable errors until the deadline.
     *
     * @return the base offset
     */
    long produce(final String topic, final int partition, final ByteBuffer batch, final Duration within) {
        final long[] offset = {-1};
        final String[] last = {""};
        await().atMost(within).pollInterval(Duration.ofMillis(50))
            .alias("produce to " + topic + "-" + partition)
            .until(() -> {
                final NodeEndpoint leader = leader(topic, partition);
                if (leader == null) {
                    last[0] = "no leader known";
                    return false;
                }
                final ProduceRequest req = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                    .addPartitions(ProducePartition.newBuilder().setTopic(topic).setPartition(partition)
                        .setRecordsBytes(batch.remaining())).build();
                try (ClientResponse r = send(leader.getHost() + ":" + leader.getPort(), ApiKey.PRODUCE, req,
                    Unpooled.wrappedBuffer(batch.duplicate()))) {
                    final ProducePartitionResult res = r.body(ProduceResponse.parser()).getResults(0);
                    if (res.getError() == ErrorCode.NONE) {
                        offset[0] = res.getBaseOffset();
                        return true;
                    }
                    if (!Errors.isRetriable(res.getError())) {
                        throw new IllegalStateException("produce to " + topic + "-" + partition + ": "
                            + res.getError() + " " + res.getErrorMessage());
                    }
                    last[0] = res.getError() + " " + res.getErrorMessage();
                    return false;
                } catch (final IllegalStateException e) {
                    throw e;
                } catch (final Exception e) {
                    last[0] = e.toString();
                    return false;
                }
            });
        return offset[0];
    }

    Fetched fetch(final String address, final String topic, final int partition, final long offset,
                  final int maxBytes, final int maxWaitMs) throws Exception {
        final FetchRequest req = FetchRequest.newBuilder().setMaxWaitMs(maxWaitMs).setMinBytes(1)
            .setMaxBytes(maxBytes).addPartitions(FetchPartition.newBuilder().setTopic(topic).setPartition(partition)
                .setFetchOffset(offset).setPartitionMaxBytes(maxBytes)).build();
        try (ClientResponse r = send(address, ApiKey.FETCH, req, null)) {
            final FetchPartitionResult res = r.body(FetchResponse.parser()).getResults(0);
            final ByteBuffer copy = ByteBuffer.allocate(r.records().readableBytes());
            r.records().getBytes(r.records().readerIndex(), copy);
            return new Fetched(res, copy.flip());
        }
    }

    @Override
    public void close() {
        connections.values().forEach(FerryConnection::close);
        network.close();
    }
}
