package dev.ferry.node.handler;

import dev.ferry.client.protocol.Errors;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.ListOffsetsPartition;
import dev.ferry.client.protocol.proto.ListOffsetsPartitionResult;
import dev.ferry.client.protocol.proto.ListOffsetsRequest;
import dev.ferry.client.protocol.proto.ListOffsetsResponse;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProducePartitionResult;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.client.protocol.proto.ReplicaStateRequest;
import dev.ferry.client.protocol.proto.ReplicaStateResponse;
import dev.ferry.log.LogConfig;
import dev.ferry.log.TestBatches;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.node.fetch.FetchPurgatory;
import dev.ferry.node.metrics.TrafficRecorder;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ferry.log.TestBatches.offsetsIn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data-path handlers driven directly (no Netty) over real 3-replica partitions on a real in-process Raft
 * cluster: requests are encoded with the client's FrameEncoder and parsed with Frame.parse, as the network
 * layer hands them over. One cluster for the class; each test uses its own topic.
 */
class DataPathHandlersTest {
    private static final int MAX_BATCH_BYTES = 64 << 10;

    @TempDir
    static Path tmp;

    private static HandlerCluster cluster;
    private static ScheduledExecutorService timer;
    private static final Map<Integer, FetchPurgatory> PURGATORIES = new HashMap<>();
    private static final Map<Integer, ProduceHandler> PRODUCE = new HashMap<>();
    private static final Map<Integer, FetchHandler> FETCH = new HashMap<>();
    private static final Map<Integer, ListOffsetsHandler> LIST_OFFSETS = new HashMap<>();
    private static final Map<Integer, ReplicaStateHandler> REPLICA_STATE = new HashMap<>();
    private static final CountingTraffic TRAFFIC = new CountingTraffic();

    @BeforeAll
    static void startCluster() throws IOException {
        cluster = new HandlerCluster(tmp, 3, LogConfig.from(Map.of(LogConfig.MAX_BATCH_BYTES, MAX_BATCH_BYTES)));
        timer = Executors.newSingleThreadScheduledExecutor();
        for (final int id : cluster.nodeIds()) {
            final FetchPurgatory purgatory = new FetchPurgatory(id, 1);
            cluster.host(id).addListener(purgatory);
            PURGATORIES.put(id, purgatory);
            PRODUCE.put(id, new ProduceHandler(id, cluster.host(id), cluster.view(), TRAFFIC, timer));
            FETCH.put(id, new FetchHandler(id, cluster.host(id), cluster.view(), purgatory, TRAFFIC));
            LIST_OFFSETS.put(id, new ListOffsetsHandler(id, cluster.host(id), cluster.view()));
            REPLICA_STATE.put(id, new ReplicaStateHandler(cluster.host(id)));
        }
    }

    @AfterAll
    static void stopCluster() throws IOException {
        PURGATORIES.values().forEach(FetchPurgatory::close);
        timer.shutdownNow();
        cluster.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static PartitionId topic(final String name, final int partitions) throws IOException {
        cluster.createTopic(name, partitions);
        final PartitionId p = new PartitionId(name, 0);
        cluster.awaitLeader(p);
        return p;
    }

    private static Response call(final CompletableFuture<Response> future, final Request request) throws Exception {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } finally {
            request.frame().release();
        }
    }

    private static ProduceResponse produce(final int node, final int acks, final PartitionId p,
                                           final ByteBuffer batches) throws Exception {
        return produce(node, acks, p, batches, null);
    }

    /** @param frames receives the request, whose frame the test checks is released once Raft is done with it */
    private static ProduceResponse produce(final int node, final int acks, final PartitionId p,
                                           final ByteBuffer batches, final List<Request> frames) throws Exception {
        final ProduceRequest body = ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(20_000)
            .addPartitions(ProducePartition.newBuilder().setTopic(p.topic()).setPartition(p.partition())
                .setRecordsBytes(batches.remaining()))
            .build();
        final Request request = HandlerCluster.request(ApiKey.PRODUCE, body, batches);
        if (frames != null) {
            frames.add(request);
        }
        final Response response = call(PRODUCE.get(node).handle(request), request);
        assertThat(response.error()).as(response.errorMessage()).isEqualTo(ErrorCode.NONE);
        return (ProduceResponse) response.body();
    }

    private static ProducePartitionResult produceOne(final int node, final int acks, final PartitionId p,
                                                     final ByteBuffer batches) throws Exception {
        final ProduceResponse response = produce(node, acks, p, batches);
        assertThat(response.getResultsList()).hasSize(1);
        return response.getResults(0);
    }

    private static FetchPartition.Builder at(final PartitionId p, final long offset) {
        return FetchPartition.newBuilder().setTopic(p.topic()).setPartition(p.partition()).setFetchOffset(offset);
    }

    private static FetchRequest.Builder fetchOf(final FetchPartition.Builder... partitions) {
        final FetchRequest.Builder b = FetchRequest.newBuilder();
        for (final FetchPartition.Builder p : partitions) {
            b.addPartitions(p);
        }
        return b;
    }

    private static Response fetch(final int node, final FetchRequest body) throws Exception {
        final Request request = HandlerCluster.request(ApiKey.FETCH, body);
        final Response response = call(FETCH.get(node).handle(request), request);
        assertThat(response.error()).as(response.errorMessage()).isEqualTo(ErrorCode.NONE);
        return response;
    }

    private static FetchPartitionResult result(final Response fetchResponse, final int i) {
        return ((FetchResponse) fetchResponse.body()).getResults(i);
    }

    private static long listOffset(final int node, final PartitionId p, final long timestamp) throws Exception {
        return listed(node, p, timestamp).getOffset();
    }

    private static ListOffsetsPartitionResult listed(final int node, final PartitionId p, final long timestamp)
        throws Exception {
        final ListOffsetsRequest body = ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition
            .newBuilder().setTopic(p.topic()).setPartition(p.partition()).setTimestamp(timestamp)).build();
        final Request request = HandlerCluster.request(ApiKey.LIST_OFFSETS, body);
        final ListOffsetsResponse response = (ListOffsetsResponse) call(LIST_OFFSETS.get(node).handle(request),
            request).body();
        assertThat(response.getResults(0).getError()).as(response.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.NONE);
        return response.getResults(0);
    }

    private static byte[] bytesOf(final ByteBuffer... batches) {
        final ByteBuffer all = TestBatches.concat(batches);
        final byte[] out = new byte[all.remaining()];
        all.get(out);
        return out;
    }

    // ---- produce and fetch ---------------------------------------------------------------------------------

    @Test
    void shouldProduceWithEveryAcksAndFetchTheSameBytesFromLeaderAndFollower() throws Exception {
        final PartitionId p = topic("acks", 1);
        final int leader = cluster.awaitLeader(p);
        final int follower = cluster.follower(p);
        final long producedBefore = TRAFFIC.producedRecords.get();

        final List<Request> frames = new ArrayList<>();
        final ProducePartitionResult all = produce(leader, -1, p, TestBatches.batch(10, 100, 1_000), frames)
            .getResults(0);
        assertThat(all.getError()).as(all.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(all.getBaseOffset()).isZero();
        assertThat(all.getLogStartOffset()).isZero();
        final ProducePartitionResult one = produceOne(leader, 1, p, TestBatches.batch(5, 100, 2_000));
        assertThat(one.getError()).as(one.getErrorMessage()).isEqualTo(ErrorCode.NONE);
        assertThat(one.getBaseOffset()).isEqualTo(10);
        final ProducePartitionResult none = produce(leader, 0, p, TestBatches.batch(5, 100, 3_000), frames)
            .getResults(0);
        assertThat(none.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(none.getBaseOffset()).isEqualTo(-1);

        cluster.awaitHighWatermark(p, 20);
        await().atMost(Duration.ofSeconds(10)).until(() -> TRAFFIC.producedRecords.get() - producedBefore == 20);
        // The handler copies each partition's bytes for Raft: the request frames are free once answered.
        assertThat(frames).allMatch(r -> r.frame().refCnt() == 0);
        final Response fromLeader = fetch(leader, fetchOf(at(p, 0)).build());
        final Response fromFollower = fetch(follower, fetchOf(at(p, 0)).build());
        for (final Response r : List.of(fromLeader, fromFollower)) {
            final FetchPartitionResult res = result(r, 0);
            assertThat(res.getError()).as(res.getErrorMessage()).isEqualTo(ErrorCode.NONE);
            assertThat(res.getHighWatermark()).isEqualTo(20);
            assertThat(res.getLogStartOffset()).isZero();
            assertThat(res.getNextOffset()).isEqualTo(20);
            assertThat((long) res.getRecordsBytes()).isEqualTo(r.recordsBytes());
        }
        final byte[] leaderBytes = HandlerCluster.recordBytes(fromLeader);
        assertThat(HandlerCluster.recordBytes(fromFollower)).isEqualTo(leaderBytes);
        assertThat(leaderBytes).hasSize(bytesOf(TestBatches.batch(10, 100, 1_000), TestBatches.batch(5, 100, 2_000),
            TestBatches.batch(5, 100, 3_000)).length);
        assertThat(offsetsIn(leaderBytes)).hasSize(20).startsWith(0L).endsWith(19L);
    }

    @Test
    void shouldReplicateTheProducedBytesEvenWhenTheRequestBufferIsReusedAfterTheAnswer() throws Exception {
        final PartitionId p = topic("reused", 1);
        final int leader = cluster.awaitLeader(p);
        final int follower = cluster.follower(p);
        final ByteBuffer batch = TestBatches.batch(10, 100, 1_000);
        final ProduceRequest body = ProduceRequest.newBuilder().setAcks(1).setTimeoutMs(20_000)
            .addPartitions(ProducePartition.newBuilder().setTopic(p.topic()).setPartition(p.partition())
                .setRecordsBytes(batch.remaining()))
            .build();
        final Request request = HandlerCluster.request(ApiKey.PRODUCE, body, batch);
        final Response response = PRODUCE.get(leader).handle(request).get(30, TimeUnit.SECONDS);
        assertThat(((ProduceResponse) response.body()).getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        // What the network layer does with a pooled buffer once the response is out: other bytes land in it.
        request.records().setZero(request.records().readerIndex(), request.records().readableBytes());
        request.frame().release();

        cluster.awaitHighWatermark(p, 10);
        final byte[] expected = bytesOf(batch);
        for (final int node : List.of(leader, follower)) {
            await().atMost(Duration.ofSeconds(10))
                .until(() -> cluster.host(node).stateMachine(p).highWatermarkForReads() == 10);
            final byte[] stored = HandlerCluster.recordBytes(fetch(node, fetchOf(at(p, 0)).build()));
            assertThat(offsetsIn(stored)).hasSize(10);
            assertThat(stored).hasSize(expected.length);
        }
    }

    @Test
    void shouldBoundAFollowerFetchByMaxOffsetAndItsHighWatermark() throws Exception {
        final PartitionId p = topic("bounded", 1);
        final int leader = cluster.awaitLeader(p);
        final int follower = cluster.follower(p);
        produceOne(leader, -1, p, TestBatches.batch(10, 50, 1_000));
        produceOne(leader, -1, p, TestBatches.batch(10, 50, 2_000));
        cluster.awaitHighWatermark(p, 20);

        final Response r = fetch(follower, fetchOf(at(p, 0).setMaxOffset(10)).build());
        assertThat(result(r, 0).getNextOffset()).isEqualTo(10);
        assertThat(offsetsIn(HandlerCluster.recordBytes(r))).hasSize(10).endsWith(9L);
        final Response atEnd = fetch(follower, fetchOf(at(p, 20)).build());
        assertThat(result(atEnd, 0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(result(atEnd, 0).getRecordsBytes()).isZero();
        assertThat(result(atEnd, 0).getNextOffset()).isEqualTo(-1);
        assertThat(result(atEnd, 0).getHighWatermark())
            .isEqualTo(cluster.host(follower).stateMachine(p).highWatermarkForReads());
    }

    @Test
    void shouldAnswerNotLeaderWithTheLeadersEndpointOnAFollower() throws Exception {
        final PartitionId p = topic("notleader", 1);
        final int leader = cluster.awaitLeader(p);
        final int follower = cluster.follower(p);
        final ProducePartitionResult r = produceOne(follower, -1, p, TestBatches.batch(3, 10, 1_000));
        assertThat(r.getError()).isEqualTo(ErrorCode.NOT_LEADER);
        assertThat(r.getErrorMessage()).contains("partition=" + p).contains("node=" + follower);
        assertThat(r.getLeader().getNodeId()).isEqualTo(leader);
        assertThat(r.getLeader().getPort()).isEqualTo(19_000 + leader);
        assertThat(cluster.host(leader).stateMachine(p).log().logEndOffset()).isZero();
    }

    @Test
    void shouldPointAFetchOnANodeWithoutAReplicaToOneThatHasIt() throws Exception {
        cluster.declareTopic("elsewhere", 1);
        final PartitionId p = new PartitionId("elsewhere", 0);
        final Response r = fetch(2, fetchOf(at(p, 0), at(new PartitionId("elsewhere", 1), 0),
            at(new PartitionId("nowhere", 0), 0)).setMaxWaitMs(10_000).setMinBytes(1).build());
        assertThat(result(r, 0).getError()).isEqualTo(ErrorCode.NOT_LEADER);
        assertThat(result(r, 0).getErrorMessage()).contains("partition=elsewhere-0").contains("node=2");
        assertThat(result(r, 0).getLeader().getNodeId()).isEqualTo(1);
        assertThat(result(r, 1).getError()).isEqualTo(ErrorCode.UNKNOWN_PARTITION);
        assertThat(result(r, 2).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void shouldRefuseACorruptBatchAndLeaveTheLogUntouched() throws Exception {
        final PartitionId p = topic("corrupt", 1);
        final int leader = cluster.awaitLeader(p);
        produceOne(leader, -1, p, TestBatches.batch(3, 10, 1_000));
        final ByteBuffer bad = TestBatches.batch(3, 10, 2_000);
        bad.put(bad.limit() - 2, (byte) (bad.get(bad.limit() - 2) ^ 0x5a));
        for (final int acks : new int[] {-1, 1, 0}) {
            final ProducePartitionResult r = produceOne(leader, acks, p, bad.duplicate());
            assertThat(r.getError()).as("acks=%d %s", acks, r.getErrorMessage()).isEqualTo(ErrorCode.CORRUPT_BATCH);
            assertThat(r.getErrorMessage()).contains("partition=" + p);
        }
        assertThat(cluster.host(leader).stateMachine(p).log().logEndOffset()).isEqualTo(3);
        assertThat(cluster.host(leader).stateMachine(p).highWatermark().offset()).isEqualTo(3);
    }

    @Test
    void shouldRefuseABatchOverMaxBatchBytes() throws Exception {
        final PartitionId p = topic("oversize", 1);
        final int leader = cluster.awaitLeader(p);
        final ProducePartitionResult r = produceOne(leader, -1, p, TestBatches.batch(10, MAX_BATCH_BYTES / 8, 1));
        assertThat(r.getError()).as(r.getErrorMessage()).isEqualTo(ErrorCode.BATCH_TOO_LARGE);
        assertThat(r.getErrorMessage()).contains("partition=" + p);
        assertThat(cluster.host(leader).stateMachine(p).log().logEndOffset()).isZero();
    }

    @Test
    void shouldRefuseARequestWhoseRecordsBytesDoNotAddUp() throws Exception {
        final PartitionId p = topic("mismatch", 1);
        final int leader = cluster.awaitLeader(p);
        final ByteBuffer batch = TestBatches.batch(3, 10, 1_000);
        final ProduceRequest body = ProduceRequest.newBuilder().setAcks(-1)
            .addPartitions(ProducePartition.newBuilder().setTopic(p.topic()).setPartition(0)
                .setRecordsBytes(batch.remaining() - 1))
            .build();
        final Request request = HandlerCluster.request(ApiKey.PRODUCE, body, batch);
        final Response response = call(PRODUCE.get(leader).handle(request), request);
        assertThat(response.error()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(response.errorMessage()).contains("records_bytes");
        assertThat(cluster.host(leader).stateMachine(p).log().logEndOffset()).isZero();

        final Request badAcks = HandlerCluster.request(ApiKey.PRODUCE, body.toBuilder().setAcks(2)
            .setPartitions(0, body.getPartitions(0).toBuilder().setRecordsBytes(batch.remaining())).build(), batch);
        assertThat(call(PRODUCE.get(leader).handle(badAcks), badAcks).error()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }

    @Test
    void shouldAnswerUnknownTopicUnknownPartitionAndInternalTopicPerPartition() throws Exception {
        final PartitionId p = topic("known", 1);
        final int leader = cluster.awaitLeader(p);
        final ByteBuffer a = TestBatches.batch(1, 10, 1);
        final ByteBuffer b = TestBatches.batch(1, 10, 2);
        final ByteBuffer c = TestBatches.batch(1, 10, 3);
        final ByteBuffer d = TestBatches.batch(1, 10, 4);
        final ProduceRequest body = ProduceRequest.newBuilder().setAcks(-1)
            .addPartitions(ProducePartition.newBuilder().setTopic("nosuch").setPartition(0)
                .setRecordsBytes(a.remaining()))
            .addPartitions(ProducePartition.newBuilder().setTopic("known").setPartition(5)
                .setRecordsBytes(b.remaining()))
            .addPartitions(ProducePartition.newBuilder().setTopic(InternalTopics.CONSUMER_OFFSETS).setPartition(0)
                .setRecordsBytes(c.remaining()))
            .addPartitions(ProducePartition.newBuilder().setTopic("known").setPartition(0)
                .setRecordsBytes(d.remaining()))
            .build();
        cluster.createTopic(InternalTopics.CONSUMER_OFFSETS, 1);
        cluster.awaitLeader(new PartitionId(InternalTopics.CONSUMER_OFFSETS, 0));
        final Request request = HandlerCluster.request(ApiKey.PRODUCE, body, TestBatches.concat(a, b, c, d));
        final ProduceResponse r = (ProduceResponse) call(PRODUCE.get(leader).handle(request), request).body();
        assertThat(r.getResultsList()).extracting(ProducePartitionResult::getError).containsExactly(
            ErrorCode.UNKNOWN_TOPIC, ErrorCode.UNKNOWN_PARTITION, ErrorCode.INVALID_TOPIC, ErrorCode.NONE);
        assertThat(r.getResults(3).getBaseOffset()).isZero();
        assertThat(r.getResults(0).getErrorMessage()).contains("topic=nosuch");
    }

    @Test
    void shouldAnswerOffsetOutOfRangeWithLogStartAndHighWatermarkOnTheLeader() throws Exception {
        final PartitionId p = topic("range", 1);
        final int leader = cluster.awaitLeader(p);
        produceOne(leader, -1, p, TestBatches.batch(4, 10, 1_000));
        cluster.awaitHighWatermark(p, 4);
        final Response r = fetch(leader, fetchOf(at(p, 1_000)).build());
        final FetchPartitionResult res = result(r, 0);
        assertThat(res.getError()).isEqualTo(ErrorCode.OFFSET_OUT_OF_RANGE);
        assertThat(res.getErrorMessage()).contains("requestedOffset=1000");
        assertThat(res.getLogStartOffset()).isZero();
        assertThat(res.getHighWatermark()).isEqualTo(4);
        assertThat(r.slices()).isEmpty();
    }

    /** Found by the chaos suite: a restarted former leader, behind, made a consumer reset to the beginning. */
    @Test
    void shouldAnswerOffsetNotAvailableOnAFollowerSoThatNoConsumerResetsOnItsWord() throws Exception {
        final PartitionId p = topic("behind", 1);
        final int leader = cluster.awaitLeader(p);
        produceOne(leader, -1, p, TestBatches.batch(4, 10, 1_000));
        cluster.awaitHighWatermark(p, 4);
        final Response r = fetch(cluster.follower(p), fetchOf(at(p, 1_000)).build());
        final FetchPartitionResult res = result(r, 0);
        assertThat(res.getError()).isEqualTo(ErrorCode.OFFSET_NOT_AVAILABLE);
        assertThat(res.getErrorMessage()).contains("requestedOffset=1000").contains("not the partition's leader");
        assertThat(res.getLeader().getNodeId()).isEqualTo(leader);
        assertThat(res.getHighWatermark()).isEqualTo(4);
        assertThat(r.slices()).isEmpty();
        assertThat(Errors.isRetriable(res.getError())).isTrue();
    }

    @Test
    void shouldRespectMaxBytesAcrossPartitionsAndAlwaysReturnOneWholeBatch() throws Exception {
        final PartitionId p0 = topic("limits", 2);
        final PartitionId p1 = new PartitionId("limits", 1);
        final int leader0 = cluster.awaitLeader(p0);
        final int leader1 = cluster.awaitLeader(p1);
        final int batchBytes = TestBatches.batch(5, 200, 1).remaining();
        for (int i = 0; i < 4; i++) {
            produceOne(leader0, -1, p0, TestBatches.batch(5, 200, i));
            produceOne(leader1, -1, p1, TestBatches.batch(5, 200, i));
        }
        cluster.awaitHighWatermark(p0, 20);
        cluster.awaitHighWatermark(p1, 20);
        final int node = leader0;

        // max_bytes smaller than one batch: the first partition still gets one whole batch, the second none.
        final Response tiny = fetch(node, fetchOf(at(p0, 0), at(p1, 0)).setMaxBytes(10).build());
        assertThat(result(tiny, 0).getRecordsBytes()).isEqualTo(batchBytes);
        assertThat(result(tiny, 0).getNextOffset()).isEqualTo(5);
        assertThat(result(tiny, 1).getRecordsBytes()).isZero();
        assertThat(result(tiny, 1).getHighWatermark()).isEqualTo(20);
        assertThat(tiny.recordsBytes()).isEqualTo(batchBytes);

        // Two and a half batches: two from the first partition, none of the second fits what is left.
        final Response some = fetch(node, fetchOf(at(p0, 0), at(p1, 0)).setMaxBytes(batchBytes * 5 / 2).build());
        assertThat(result(some, 0).getRecordsBytes()).isEqualTo(2 * batchBytes);
        assertThat(result(some, 1).getRecordsBytes()).isZero();

        // partition_max_bytes: one batch each, both partitions served.
        final Response each = fetch(node, fetchOf(at(p0, 0).setPartitionMaxBytes(batchBytes + 1),
            at(p1, 5).setPartitionMaxBytes(batchBytes + 1)).build());
        assertThat(result(each, 0).getRecordsBytes()).isEqualTo(batchBytes);
        assertThat(result(each, 1).getRecordsBytes()).isEqualTo(batchBytes);
        assertThat(result(each, 1).getNextOffset()).isEqualTo(10);
        assertThat(each.slices()).hasSize(2);
        assertThat(offsetsIn(HandlerCluster.recordBytes(each))).containsExactly(0L, 1L, 2L, 3L, 4L,
            5L, 6L, 7L, 8L, 9L);
    }

    // ---- long poll -----------------------------------------------------------------------------------------

    @Test
    void shouldCompleteAParkedFetchWhenDataArrives() throws Exception {
        final PartitionId p = topic("longpoll", 1);
        final int leader = cluster.awaitLeader(p);
        final int follower = cluster.follower(p);
        final Request request = HandlerCluster.request(ApiKey.FETCH,
            fetchOf(at(p, 0)).setMaxWaitMs(25_000).setMinBytes(1).build());
        final CompletableFuture<Response> parked = FETCH.get(follower).handle(request);
        assertThat(parked).isNotDone();
        await().atMost(Duration.ofSeconds(5)).until(() -> PURGATORIES.get(follower).parkedCount() >= 1);

        produceOne(leader, -1, p, TestBatches.batch(7, 10, 1_000));
        final long start = System.nanoTime();
        final Response r = call(parked, request);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(10_000);
        assertThat(result(r, 0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(result(r, 0).getNextOffset()).isEqualTo(7);
        assertThat(offsetsIn(HandlerCluster.recordBytes(r))).hasSize(7);
        await().atMost(Duration.ofSeconds(5)).until(() -> PURGATORIES.get(follower).parkedCount() == 0);
    }

    @Test
    void shouldAnswerAParkedFetchEmptyWhenItsWaitRunsOut() throws Exception {
        final PartitionId p = topic("timeout", 1);
        final int leader = cluster.awaitLeader(p);
        final long start = System.nanoTime();
        final Response r = fetch(leader, fetchOf(at(p, 0)).setMaxWaitMs(300).setMinBytes(1).build());
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(300);
        assertThat(result(r, 0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(result(r, 0).getRecordsBytes()).isZero();
        assertThat(result(r, 0).getHighWatermark()).isZero();
        assertThat(r.slices()).isEmpty();
    }

    // ---- list offsets and replica state --------------------------------------------------------------------

    @Test
    void shouldListEarliestLatestAndByTimestampOnAnyReplica() throws Exception {
        final PartitionId p = topic("offsets", 1);
        final int leader = cluster.awaitLeader(p);
        produceOne(leader, -1, p, TestBatches.batch(5, 10, 1_000));
        produceOne(leader, -1, p, TestBatches.batch(5, 10, 2_000));
        produceOne(leader, -1, p, TestBatches.batch(5, 10, 3_000));
        cluster.awaitHighWatermark(p, 15);
        for (final int node : cluster.nodeIds()) {
            assertThat(listOffset(node, p, ListOffsetsHandler.EARLIEST)).isZero();
            assertThat(listOffset(node, p, ListOffsetsHandler.LATEST)).isEqualTo(15);
            assertThat(listOffset(node, p, 2_000)).isEqualTo(5);
            assertThat(listOffset(node, p, 2_002)).isEqualTo(7);
            assertThat(listOffset(node, p, 500)).isZero();
            assertThat(listOffset(node, p, 9_999)).isEqualTo(-1);
            // By time, the found record's own timestamp comes back, as in Kafka; earliest, latest and none: -1.
            assertThat(listed(node, p, 2_002).getTimestamp()).isEqualTo(2_002);
            assertThat(listed(node, p, 1_007)).extracting(ListOffsetsPartitionResult::getOffset,
                ListOffsetsPartitionResult::getTimestamp).containsExactly(5L, 2_000L);
            assertThat(listed(node, p, 500).getTimestamp()).isEqualTo(1_000);
            assertThat(listed(node, p, 9_999).getTimestamp()).isEqualTo(-1);
            assertThat(listed(node, p, ListOffsetsHandler.EARLIEST).getTimestamp()).isEqualTo(-1);
            assertThat(listed(node, p, ListOffsetsHandler.LATEST).getTimestamp()).isEqualTo(-1);
        }
    }

    @Test
    void shouldAnswerReplicaStateOnlyOnTheLeader() throws Exception {
        final PartitionId p = topic("state", 1);
        final int leader = cluster.awaitLeader(p);
        produceOne(leader, -1, p, TestBatches.batch(5, 10, 1_000));
        final ReplicaStateRequest body = ReplicaStateRequest.newBuilder().setTopic(p.topic()).setPartition(0).build();
        final Request onLeader = HandlerCluster.request(ApiKey.REPLICA_STATE, body);
        final ReplicaStateResponse s = (ReplicaStateResponse) call(REPLICA_STATE.get(leader).handle(onLeader),
            onLeader).body();
        assertThat(s.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(s.getHighWatermark()).isEqualTo(5);
        assertThat(s.getAppliedIndex()).isPositive();
        final Request onFollower = HandlerCluster.request(ApiKey.REPLICA_STATE, body);
        assertThat(((ReplicaStateResponse) call(REPLICA_STATE.get(cluster.follower(p)).handle(onFollower),
            onFollower).body()).getError()).isEqualTo(ErrorCode.NOT_LEADER);
        final Request unknown = HandlerCluster.request(ApiKey.REPLICA_STATE, body.toBuilder().setPartition(9).build());
        assertThat(((ReplicaStateResponse) call(REPLICA_STATE.get(leader).handle(unknown), unknown).body())
            .getError()).isEqualTo(ErrorCode.UNKNOWN_PARTITION);
    }

    /** Sums what the handlers count. */
    private static final class CountingTraffic implements TrafficRecorder {
        private final AtomicLong producedRecords = new AtomicLong();
        private final AtomicLong fetchedBytes = new AtomicLong();
        private final Map<String, AtomicLong> producedBytes = new ConcurrentHashMap<>();

        @Override
        public void produced(final String topic, final long bytes, final long records) {
            producedRecords.addAndGet(records);
            producedBytes.computeIfAbsent(topic, t -> new AtomicLong()).addAndGet(bytes);
        }

        @Override
        public void fetched(final String topic, final long bytes, final long records) {
            fetchedBytes.addAndGet(bytes);
        }
    }
}
