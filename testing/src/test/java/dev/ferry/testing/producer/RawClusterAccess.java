package dev.ferry.testing.producer;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordCursor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The tests' view of a cluster without the producer: topics created with a raw CreateTopics request, partitions
 * read back with raw Fetch requests and {@link RecordCursor}.
 */
final class RawClusterAccess implements AutoCloseable {
    /** A record read back. */
    record Stored(int partition, long offset, String key, String value) {
    }

    private static final long TIMEOUT_MS = 10_000;
    private final NetworkClient client;

    RawClusterAccess(final List<String> bootstrap) {
        this.client = new NetworkClient(bootstrap, ConnectionConfig.defaults("producer-test-raw"), 1);
    }

    /** @return the error of creating the topic: NONE, TOPIC_ALREADY_EXISTS, or a retriable one */
    ErrorCode createTopic(final String name, final int partitions) throws Exception {
        final CreateTopicsRequest request = CreateTopicsRequest.newBuilder().setTimeoutMs((int) TIMEOUT_MS)
            .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions).setReplicationFactor(3))
            .build();
        try (ClientResponse response = client.sendToAny(ApiKey.CREATE_TOPICS, request, TIMEOUT_MS).get()) {
            return response.body(CreateTopicsResponse.parser()).getResults(0).getError();
        } catch (final java.util.concurrent.ExecutionException e) {
            return ErrorCode.CONTROLLER_NOT_AVAILABLE;
        }
    }

    /** @return the partition's leader now, -1 when none is known */
    int leader(final String topic, final int partition) throws Exception {
        return client.refreshMetadata(List.of(topic), TIMEOUT_MS).get().leader(topic, partition);
    }

    /**
     * Reads a partition from its leader, from offset 0 up to the leader's high watermark.
     *
     * @return every record, in offset order
     */
    List<Stored> readAll(final String topic, final int partition) throws Exception {
        final int leader = leader(topic, partition);
        final List<Stored> out = new ArrayList<>();
        long offset = 0;
        while (true) {
            final FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMaxBytes(4 << 20)
                .addPartitions(FetchPartition.newBuilder().setTopic(topic).setPartition(partition)
                    .setFetchOffset(offset).setPartitionMaxBytes(1 << 20))
                .build();
            try (ClientResponse response = client.send(leader, ApiKey.FETCH, request, null, TIMEOUT_MS).get()) {
                final FetchPartitionResult r = response.body(FetchResponse.parser()).getResults(0);
                if (r.getError() != ErrorCode.NONE) {
                    throw new IllegalStateException("fetch " + topic + "-" + partition + ": " + r.getError() + " "
                        + r.getErrorMessage());
                }
                final ByteBuffer records = ByteBuffer.allocate(r.getRecordsBytes());
                response.records().getBytes(response.records().readerIndex(), records);
                records.flip();
                offset = decode(partition, records, offset, out);
                if (offset >= r.getHighWatermark() || r.getRecordsBytes() == 0) {
                    return out;
                }
            }
        }
    }

    private static long decode(final int partition, final ByteBuffer records, final long from,
                               final List<Stored> out) {
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        long next = from;
        int index = 0;
        while (index < records.limit()) {
            batch.wrap(records, index);
            batch.ensureValid(Integer.MAX_VALUE);
            cursor.reset(batch);
            while (cursor.next()) {
                if (cursor.offset() >= next) {
                    out.add(new Stored(partition, cursor.offset(), string(cursor.key()), string(cursor.value())));
                    next = cursor.offset() + 1;
                }
            }
            index += batch.sizeInBytes();
        }
        return next;
    }

    private static String string(final byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        client.close();
    }
}
