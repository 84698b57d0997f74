package dev.ferry.node.handler;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.log.LogConfig;
import dev.ferry.log.TestBatches;
import dev.ferry.node.fetch.FetchPurgatory;
import dev.ferry.node.metrics.TrafficRecorder;
import dev.ferry.replication.Acks;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftTuning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A produce that cannot commit (its followers are down) answers REQUEST_TIMED_OUT and keeps its frame for Raft;
 * the leader's uncommitted tail is not served by Fetch.
 */
class ProduceTimeoutTest {
    @TempDir
    Path tmp;

    private HandlerCluster cluster;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() throws IOException {
        timer.shutdownNow();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldAnswerRequestTimedOutWhenAcksAllCannotCommitInTime() throws Exception {
        // A leader steps down when no majority has answered for the maximum election timeout: a long one keeps
        // it leading (and the entry uncommitted) while the request times out.
        cluster = new HandlerCluster(tmp, 3, LogConfig.from(Map.of()), new RaftTuning(300, 8_000, 4 << 20,
            1_000_000, 1 << 20));
        cluster.createTopic("slow", 1);
        final PartitionId p = new PartitionId("slow", 0);
        final int leader = cluster.awaitLeader(p);
        // Every replica agrees on the leader and it has committed an entry: no election is under way.
        cluster.host(leader).append(p, TestBatches.batch(1, 10, 1), Acks.ALL)
            .get(10, TimeUnit.SECONDS);
        cluster.awaitHighWatermark(p, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.nodeIds().stream()
            .allMatch(id -> Integer.toString(leader).equals(cluster.host(id).stateMachine(p).leaderNodeId())));
        final List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (final int id : cluster.nodeIds()) {
            if (id != leader) {
                stops.add(CompletableFuture.runAsync(() -> {
                    try {
                        cluster.stop(id);
                    } catch (final IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
        }
        CompletableFuture.allOf(stops.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        final ByteBuffer batch = TestBatches.batch(3, 10, 1_000);
        final ProduceRequest body = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(150)
            .addPartitions(ProducePartition.newBuilder().setTopic("slow").setPartition(0)
                .setRecordsBytes(batch.remaining()))
            .build();
        final Request request = HandlerCluster.request(ApiKey.PRODUCE, body, batch);
        final ProduceHandler handler = new ProduceHandler(leader, cluster.host(leader), cluster.view(),
            TrafficRecorder.NONE, timer);
        final Response response = handler.handle(request).get(10, TimeUnit.SECONDS);
        request.frame().release();
        final ProduceResponse r = (ProduceResponse) response.body();
        assertThat(r.getResults(0).getError()).as(r.getResults(0).getErrorMessage())
            .isEqualTo(ErrorCode.REQUEST_TIMED_OUT);
        assertThat(r.getResults(0).getErrorMessage()).contains("partition=0").contains("topic=slow");
        // Raft holds its own copy of the bytes: the frame is free once answered.
        assertThat(request.frame().refCnt()).isZero();

        // The leader has the batch in its log but not committed: a fetch stops at the high watermark.
        await().atMost(Duration.ofSeconds(10))
            .until(() -> cluster.host(leader).stateMachine(p).log().logEndOffset() == 4);
        try (FetchPurgatory purgatory = new FetchPurgatory(leader, 1)) {
            final FetchHandler fetch = new FetchHandler(leader, cluster.host(leader), cluster.view(), purgatory,
                TrafficRecorder.NONE);
            final Request f = HandlerCluster.request(ApiKey.FETCH, FetchRequest.newBuilder().addPartitions(
                FetchPartition.newBuilder().setTopic("slow").setPartition(0).setFetchOffset(0)).build());
            final Response fetched = fetch.handle(f).get(10, TimeUnit.SECONDS);
            f.frame().release();
            final FetchPartitionResult res = ((FetchResponse) fetched.body()).getResults(0);
            assertThat(res.getHighWatermark()).isEqualTo(1);
            assertThat(res.getNextOffset()).isEqualTo(1);
            assertThat(fetched.recordsBytes()).isEqualTo(TestBatches.batch(1, 10, 1).remaining());
        }
        cluster.host(leader).close();
        cluster = null;
    }
}
