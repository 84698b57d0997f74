package dev.ferry.testing.consumer;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.Errors;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.log.record.Header;
import dev.ferry.log.record.RecordBatchBuilder;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Creates topics and writes test records with raw Create/Produce requests (acks=all), for consumer tests. */
final class TestProducer implements AutoCloseable {
    private static final Duration WITHIN = Duration.ofSeconds(30);

    private final NetworkClient network;

    TestProducer(final List<String> bootstrap) {
        this.network = new NetworkClient(bootstrap, ConnectionConfig.defaults("test-producer"), 1);
    }

    void createTopic(final String topic, final int partitions) {
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (ClientResponse r = network.sendToAny(ApiKey.CREATE_TOPICS, CreateTopicsRequest.newBuilder()
                .setTimeoutMs(20_000).addTopics(TopicSpec.newBuilder().setName(topic).setPartitions(partitions)
                    .setReplicationFactor(3)).build(), 25_000).get(30, TimeUnit.SECONDS)) {
                final ErrorCode e = r.body(CreateTopicsResponse.parser()).getResults(0).getError();
                return e == ErrorCode.NONE || e == ErrorCode.TOPIC_ALREADY_EXISTS;
            }
        });
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            final TopicMetadata t = network.refreshMetadata(List.of(topic), 5_000).get(10, TimeUnit.SECONDS)
                .topic(topic);
            return t != null && t.getPartitionsCount() == partitions
                && t.getPartitionsList().stream().allMatch(p -> p.getLeaderId() > 0);
        });
    }

    /**
     * Writes one batch of records "value-i" for i in [from, from + count) with keys "key-i" and timestamps
     * timestamp + i.
     *
     * @return the base offset
     */
    long produce(final String topic, final int partition, final int from, final int count, final long timestamp) {
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(64 + count * 64));
        for (int i = from; i < from + count; i++) {
            b.append(timestamp + i, ("key-" + i).getBytes(StandardCharsets.UTF_8),
                ("value-" + i).getBytes(StandardCharsets.UTF_8), new Header("i", Integer.toString(i)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        final ByteBuffer batch = b.build();
        final long[] offset = {-1};
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(50)).ignoreExceptions().until(() -> {
            final PartitionMetadata p = network.metadata().partition(topic, partition);
            if (p == null || p.getLeaderId() <= 0) {
                network.refreshMetadata(List.of(topic), 5_000).get(10, TimeUnit.SECONDS);
                return false;
            }
            final ProduceRequest req = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                .addPartitions(ProducePartition.newBuilder().setTopic(topic).setPartition(partition)
                    .setRecordsBytes(batch.remaining())).build();
            try (ClientResponse r = network.send(p.getLeaderId(), ApiKey.PRODUCE, req,
                Unpooled.wrappedBuffer(batch.duplicate()), 15_000).get(20, TimeUnit.SECONDS)) {
                final ProducePartitionResult res = r.body(ProduceResponse.parser()).getResults(0);
                if (res.getError() == ErrorCode.NONE) {
                    offset[0] = res.getBaseOffset();
                    return true;
                }
                if (!Errors.isRetriable(res.getError())) {
                    throw new AssertionError("produce: " + res.getError() + " " + res.getErrorMessage());
                }
                network.refreshMetadata(List.of(topic), 5_000).get(10, TimeUnit.SECONDS);
                return false;
            }
        });
        return offset[0];
    }

    /** @return the node id of the group's coordinator */
    int coordinator(final String group) throws Exception {
        try (ClientResponse r = network.sendToAny(ApiKey.FIND_COORDINATOR, FindCoordinatorRequest.newBuilder()
            .setGroupId(group).build(), 5_000).get(10, TimeUnit.SECONDS)) {
            return r.body(FindCoordinatorResponse.parser()).getCoordinator().getNodeId();
        }
    }

    @Override
    public void close() {
        network.close();
    }
}
