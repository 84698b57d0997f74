package dev.ferry.bench;

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
import dev.ferry.client.protocol.proto.PartitionMetadata;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;
import dev.ferry.node.server.FerryNode;
import dev.ferry.node.server.LocalCluster;
import dev.ferry.node.server.NodeConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The README's first command: a 3-node Ferry cluster on 127.0.0.1 (real ports, Raft groups and data
 * directories, in one JVM), a topic of 6 partitions with 3 replicas, records produced with acks=all to the
 * partition leaders over the wire protocol, then read back from followers (zero-copy fetches), every CRC and
 * offset checked. Prints throughput and ack latency, then stops the cluster gracefully.
 *
 * <p>Not thread-safe (a main).
 */
final class ClusterDemo {
    private static final String TOPIC = "demo";
    private static final int PARTITIONS = 6;
    private static final int RECORDS_PER_BATCH = 500;
    private static final int VALUE_BYTES = 100;
    private static final int IN_FLIGHT = 16;
    private static final long TIMEOUT_MS = 30_000;

    private ClusterDemo() {
    }

    static void main(final String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        final Args options = new Args(args);
        final long records = options.bytes("records", 600_000);
        final int nodes = (int) options.bytes("nodes", 3);
        final Path dir = Files.createTempDirectory(Path.of(options.string("dir", System.getProperty("java.io.tmpdir"))),
            "ferry-cluster-demo-");
        final long t0 = System.nanoTime();
        final LocalCluster local = new LocalCluster(dir, nodes, Map.of(NodeConfig.METRICS_PORT, "0"));
        final List<FerryNode> cluster = start(local, t0, dir);
        try (ClientNetwork network = new ClientNetwork(1, "demo-client")) {
            final Map<Integer, FerryConnection> connections = new HashMap<>();
            for (final FerryNode n : cluster) {
                connections.put(n.nodeId(), network.connect("127.0.0.1", n.port(), ConnectionConfig.defaults("demo"))
                    .get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            }
            final FerryConnection any = connections.get(1);
            createTopic(any, Math.min(3, nodes));
            final List<PartitionMetadata> partitions = awaitLeaders(any);
            produce(connections, partitions, records);
            readFromFollowers(connections, partitions, records / RECORDS_PER_BATCH / PARTITIONS * RECORDS_PER_BATCH);
            connections.values().forEach(FerryConnection::close);
        } finally {
            final long stopStart = System.nanoTime();
            local.stopAll();
            System.out.printf("stopped the cluster (each node moves its leaderships away first) in %.1f s;"
                + " data in %s%n", (System.nanoTime() - stopStart) / 1e9, dir);
        }
    }

    private static List<FerryNode> start(final LocalCluster cluster, final long t0, final Path dir) throws Exception {
        final List<FerryNode> nodes = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            nodes.add(cluster.node(i));
            cluster.node(i).awaitJoined(Duration.ofSeconds(60));
        }
        System.out.printf("started a %d-node Ferry cluster on 127.0.0.1 in %.1f s (client ports %s; metrics and"
            + " health on ports %s), data under %s%n", nodes.size(), (System.nanoTime() - t0) / 1e9,
            Arrays.toString(nodes.stream().mapToInt(FerryNode::port).toArray()),
            Arrays.toString(nodes.stream().mapToInt(FerryNode::adminPort).toArray()), dir);
        return nodes;
    }

    private static void createTopic(final FerryConnection c, final int replicationFactor) throws Exception {
        try (ClientResponse r = c.send(ApiKey.CREATE_TOPICS, CreateTopicsRequest.newBuilder().setTimeoutMs(30_000)
            .addTopics(TopicSpec.newBuilder().setName(TOPIC).setPartitions(PARTITIONS)
                .setReplicationFactor(replicationFactor)).build(), null, TIMEOUT_MS).get()) {
            final CreateTopicsResponse res = r.body(CreateTopicsResponse.parser());
            if (res.getResults(0).getError() != ErrorCode.NONE) {
                throw new IllegalStateException("create topic: " + res.getResults(0).getErrorMessage());
            }
        }
    }

    private static List<PartitionMetadata> awaitLeaders(final FerryConnection c) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (ClientResponse r = c.send(ApiKey.METADATA, MetadataRequest.newBuilder().addTopics(TOPIC).build(),
                null, TIMEOUT_MS).get()) {
                final MetadataResponse md = r.body(MetadataResponse.parser());
                final List<PartitionMetadata> ps = md.getTopics(0).getPartitionsList();
                if (ps.size() == PARTITIONS && ps.stream().allMatch(p -> p.getLeaderId() > 0)) {
                    System.out.printf("created topic %s: %d partitions, replicas (leader first): %s%n", TOPIC,
                        PARTITIONS, ps.stream().map(p -> p.getLeaderId() + "/" + p.getReplicasList()).toList());
                    return ps;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("partitions of " + TOPIC + " have no leaders after 60 s");
            }
            // Elections take a Raft election timeout: poll the metadata again shortly.
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private static void produce(final Map<Integer, FerryConnection> connections,
                                final List<PartitionMetadata> partitions, final long records) throws Exception {
        final long batches = records / RECORDS_PER_BATCH / PARTITIONS * PARTITIONS;
        final ByteBuffer[] payloads = new ByteBuffer[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            payloads[p] = batch(p);
        }
        final Semaphore inFlight = new Semaphore(IN_FLIGHT);
        final long[] latencies = new long[(int) batches];
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicInteger done = new AtomicInteger();
        final long t0 = System.nanoTime();
        for (int b = 0; b < batches && failure.get() == null; b++) {
            final int p = b % PARTITIONS;
            final int index = b;
            inFlight.acquire();
            final ProduceRequest req = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(30_000)
                .addPartitions(ProducePartition.newBuilder().setTopic(TOPIC).setPartition(p)
                    .setRecordsBytes(payloads[p].remaining())).build();
            final ByteBuf bytes = Unpooled.wrappedBuffer(payloads[p].duplicate());
            final long sent = System.nanoTime();
            connections.get(partitions.get(p).getLeaderId()).send(ApiKey.PRODUCE, req, bytes, TIMEOUT_MS)
                .whenComplete((r, e) -> {
                    latencies[index] = System.nanoTime() - sent;
                    if (e != null) {
                        failure.compareAndSet(null, e.toString());
                    } else {
                        try (r) {
                            final ProducePartitionResult res = r.body(ProduceResponse.parser()).getResults(0);
                            if (res.getError() != ErrorCode.NONE) {
                                failure.compareAndSet(null, res.getError() + " " + res.getErrorMessage());
                            }
                        }
                    }
                    done.incrementAndGet();
                    inFlight.release();
                });
        }
        inFlight.acquire(IN_FLIGHT);
        if (failure.get() != null) {
            throw new IllegalStateException("produce failed: " + failure.get());
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;
        final long bytes = batches * payloads[0].remaining();
        Arrays.sort(latencies);
        System.out.printf("produced %,d records of %d bytes (%.1f MB) with acks=all to the partition leaders in %.2f s:"
            + " %,.0f records/s, %.1f MB/s; ack latency p50 %.1f ms, p99 %.1f ms%n", batches * RECORDS_PER_BATCH,
            VALUE_BYTES, bytes / 1e6, seconds, batches * RECORDS_PER_BATCH / seconds, bytes / 1e6 / seconds,
            latencies[latencies.length / 2] / 1e6, latencies[(int) (latencies.length * 0.99)] / 1e6);
    }

    private static ByteBuffer batch(final int partition) {
        final ByteBuffer buffer = ByteBuffer.allocate(RECORDS_PER_BATCH * (VALUE_BYTES + 64) + 256);
        final RecordBatchBuilder builder = new RecordBatchBuilder(buffer);
        final byte[] value = new byte[VALUE_BYTES];
        Arrays.fill(value, (byte) ('a' + partition));
        final long now = System.currentTimeMillis();
        for (int i = 0; i < RECORDS_PER_BATCH; i++) {
            builder.append(now, null, value);
        }
        return builder.build();
    }

    private static void readFromFollowers(final Map<Integer, FerryConnection> connections,
                                          final List<PartitionMetadata> partitions, final long perPartition)
        throws Exception {
        final RecordBatch batch = new RecordBatch();
        final RecordCursor cursor = new RecordCursor();
        final List<Integer> readFrom = new ArrayList<>();
        long records = 0;
        long bytes = 0;
        final long t0 = System.nanoTime();
        for (final PartitionMetadata p : partitions) {
            final int follower = p.getReplicasList().stream().filter(r -> r != p.getLeaderId()).findFirst()
                .orElse(p.getLeaderId());
            readFrom.add(follower);
            long offset = 0;
            // A follower's high watermark follows the leader's within a heartbeat: long-poll until all is there.
            while (offset < perPartition) {
                final FetchRequest req = FetchRequest.newBuilder().setMaxWaitMs(500).setMinBytes(1)
                    .setMaxBytes(4 << 20).addPartitions(FetchPartition.newBuilder().setTopic(TOPIC)
                        .setPartition(p.getPartition()).setFetchOffset(offset).setPartitionMaxBytes(4 << 20)).build();
                try (ClientResponse r = connections.get(follower).send(ApiKey.FETCH, req, null, TIMEOUT_MS).get()) {
                    final FetchPartitionResult res = r.body(FetchResponse.parser()).getResults(0);
                    if (res.getError() != ErrorCode.NONE) {
                        throw new IllegalStateException("fetch from node " + follower + ": " + res.getError() + " "
                            + res.getErrorMessage());
                    }
                    final ByteBuffer data = r.records().nioBuffer();
                    for (int pos = data.position(); pos < data.limit(); pos += batch.sizeInBytes()) {
                        batch.wrap(data, pos).ensureValid(Integer.MAX_VALUE);
                        cursor.reset(batch);
                        while (cursor.next()) {
                            if (cursor.offset() != offset) {
                                throw new IllegalStateException("partition " + p.getPartition() + ": offset "
                                    + cursor.offset() + " where " + offset + " was expected");
                            }
                            offset++;
                            records++;
                        }
                    }
                    bytes += data.remaining();
                }
            }
        }
        final double seconds = (System.nanoTime() - t0) / 1e9;
        if (records != perPartition * PARTITIONS) {
            throw new IllegalStateException("read " + records + " records, produced " + perPartition * PARTITIONS);
        }
        System.out.printf("read back %,d records (%.1f MB) from followers (nodes %s for partitions 0-5), every CRC"
            + " and offset checked, in %.2f s: %,.0f records/s, %.1f MB/s%n", records, bytes / 1e6, readFrom, seconds,
            records / seconds, bytes / 1e6 / seconds);
    }
}
