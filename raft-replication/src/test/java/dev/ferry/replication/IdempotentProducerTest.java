package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import dev.ferry.log.record.CorruptBatchException;
import dev.ferry.log.record.RecordBatchBuilder;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class IdempotentProducerTest extends RaftClusterTest {
    private static final PartitionId P = new PartitionId("payments", 0);
    private static final long PRODUCER = 7;

    private static ByteBuffer batch(final short epoch, final int seq, final int records) {
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(4096)).producerId(PRODUCER)
            .producerEpoch(epoch).baseSequence(seq);
        for (int i = 0; i < records; i++) {
            b.append(1000L, null, ("seq-" + (seq + i)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    @Test
    void shouldStoreABatchRetriedAcrossALeaderChangeOnce() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        cluster.appendToLeader(P, batch((short) 0, 0, 3));
        final ByteBuffer retried = batch((short) 0, 3, 2);
        final AppendResult first = cluster.appendToLeader(P, retried);
        assertThat(first.baseOffset()).isEqualTo(3);

        // The ack was "lost": the producer retries the same batch after the leader died.
        cluster.stop(cluster.awaitLeader(P));
        final AppendResult again = cluster.appendToLeader(P, retried);
        assertThat(again.baseOffset()).isEqualTo(3);
        assertThat(again.lastOffset()).isEqualTo(4);
        final AppendResult next = cluster.appendToLeader(P, batch((short) 0, 5, 1));
        assertThat(next.baseOffset()).isEqualTo(5);
        final int leader = cluster.awaitLeader(P);
        assertThat(cluster.host(leader).stateMachine(P).log().logEndOffset()).isEqualTo(6);
    }

    @Test
    void shouldNotAcknowledgeARetryOfAWrittenButUncommittedBatch() throws Exception {
        // Long election timeouts: a leader whose followers are gone stays leader for seconds, long enough to
        // write a batch it can never commit.
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments(),
            new RaftTuning(4000, 5000, 4 << 20, 1_000_000, 1 << 20));
        cluster.createPartition(P);
        cluster.appendToLeader(P, batch((short) 0, 0, 1));
        cluster.awaitHighWatermark(P, 1);
        final int leader = cluster.awaitLeader(P);
        final RaftServerHost host = cluster.host(leader);
        for (int i = 0; i < 3; i++) {
            if (i != leader) {
                cluster.stop(i);
            }
        }
        final ByteBuffer lonely = batch((short) 0, 1, 2);
        final CompletableFuture<AppendResult> original = host.append(P, lonely.duplicate(), Acks.ALL);
        final PartitionStateMachine sm = host.stateMachine(P);
        await().atMost(Duration.ofSeconds(30)).until(() -> sm.log().logEndOffset() == 3 || original.isDone());
        assertThat(sm.log().logEndOffset()).as("written on the leader: %s", original).isEqualTo(3);
        // The request fails once the leader, cut off from its followers, steps down.
        assertThatThrownBy(() -> original.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

        // The producer's retry must not be answered as a stored duplicate: the batch is not committed and may
        // yet be truncated by the next leader.
        final CompletableFuture<AppendResult> retry = host.append(P, lonely.duplicate(), Acks.ALL);
        assertThatThrownBy(() -> retry.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThat(sm.highWatermark().offset()).isEqualTo(1);

        // Once a majority is back, the retry is answered with the offsets the batch is stored at, once.
        for (int i = 0; i < 3; i++) {
            if (i != leader) {
                cluster.start(i);
            }
        }
        final AppendResult stored = cluster.appendToLeader(P, lonely.duplicate());
        assertThat(stored.baseOffset()).isEqualTo(1);
        assertThat(stored.lastOffset()).isEqualTo(2);
        assertThat(cluster.appendToLeader(P, batch((short) 0, 3, 1)).baseOffset()).isEqualTo(3);
    }

    @Test
    void shouldAnswerARetryOfAStoredBatchWhileANewerOneIsStillReplicating() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        final ByteBuffer stored = batch((short) 0, 0, 2);
        cluster.appendToLeader(P, stored);
        final RaftServerHost host = cluster.host(cluster.awaitLeader(P));
        // The ack of the first batch was "lost": it comes again right behind a newer batch, which needs a round
        // trip to the followers before it commits, so the retry meets it in flight.
        final CompletableFuture<AppendResult> inFlight = host.append(P, batch((short) 0, 2, 1), Acks.ALL);
        final CompletableFuture<AppendResult> retry = host.append(P, stored, Acks.ALL);
        assumeTrue(!inFlight.isDone(), "the newer batch committed before the retry came");
        final AppendResult answer = retry.get(10, TimeUnit.SECONDS);
        assertThat(answer.baseOffset()).isZero();
        assertThat(answer.lastOffset()).isEqualTo(1);
        assertThat(inFlight.get(10, TimeUnit.SECONDS).baseOffset()).isEqualTo(2);
    }

    @Test
    void shouldRefuseSequenceGapsAndFencedEpochsOnEveryReplicaAlike() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        cluster.appendToLeader(P, batch((short) 1, 0, 2));
        final int leader = cluster.awaitLeader(P);
        final RaftServerHost host = cluster.host(leader);

        assertThatThrownBy(() -> host.append(P, batch((short) 1, 5, 1), Acks.ALL).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ProducerSequenceException.class)
            .hasMessageContaining("OUT_OF_ORDER");
        assertThatThrownBy(() -> host.append(P, batch((short) 0, 2, 1), Acks.ALL).get(10, TimeUnit.SECONDS))
            .cause().isInstanceOfSatisfying(ProducerSequenceException.class, e -> assertThat(e.fenced()).isTrue());
        // A new epoch starts again at sequence 0.
        assertThat(host.append(P, batch((short) 2, 0, 1), Acks.ALL).get(10, TimeUnit.SECONDS).baseOffset())
            .isEqualTo(2);
        cluster.awaitHighWatermark(P, 3);
        for (int i = 0; i < 3; i++) {
            assertThat(cluster.host(i).stateMachine(P).log().logEndOffset()).as("replica %d", i).isEqualTo(3);
        }
    }

    @Test
    void shouldRememberProducerStateAcrossAFullRestart() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        final ByteBuffer last = batch((short) 0, 0, 4);
        cluster.appendToLeader(P, last);
        cluster.awaitHighWatermark(P, 4);
        for (int i = 0; i < 3; i++) {
            cluster.stop(i);
        }
        for (int i = 0; i < 3; i++) {
            cluster.start(i);
        }
        assertThat(cluster.appendToLeader(P, last).baseOffset()).isZero();
        assertThat(cluster.appendToLeader(P, batch((short) 0, 4, 1)).baseOffset()).isEqualTo(4);
    }

    @Test
    void shouldRememberProducersFromTheCheckpointAfterRetentionDeletedTheirBatches() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        final ByteBuffer last = batch((short) 0, 0, 4);
        cluster.appendToLeader(P, last);
        cluster.appendToLeader(P, TestBatches.batch(1, 10, 1000L));
        cluster.awaitHighWatermark(P, 5);
        for (int i = 0; i < 3; i++) {
            cluster.host(i).snapshot(P);
            // Retention (simulated): the producer's batch is gone from every replica's log.
            cluster.host(i).stateMachine(P).log().deleteRecordsBefore(5);
        }
        for (int i = 0; i < 3; i++) {
            cluster.stop(i);
        }
        for (int i = 0; i < 3; i++) {
            cluster.start(i);
        }
        final AppendResult retried = cluster.appendToLeader(P, last);
        assertThat(retried.baseOffset()).isZero();
        assertThat(retried.lastOffset()).isEqualTo(3);
        assertThat(cluster.appendToLeader(P, batch((short) 0, 4, 1)).baseOffset()).isEqualTo(5);
    }

    @Test
    void shouldStoreEveryBatchOfAnEntryOnAReplicaWhoseProducerStateCallsItADuplicate() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        final ByteBuffer stored = batch((short) 0, 0, 3);
        cluster.appendToLeader(P, stored);
        cluster.awaitHighWatermark(P, 3);
        final PartitionStateMachine follower = cluster.host((cluster.awaitLeader(P) + 1) % 3).stateMachine(P);

        // An entry its leader admitted with a producer state that differs from this replica's (which knows the
        // batch): the replica must store it as it is, or the same Raft entry has other offsets on each replica
        // and no data here to send when this replica leads (the chaos soak's REORDERED and "no data" findings).
        final StateMachineLogEntryProto smEntry = LogProtoUtils.toStateMachineLogEntryProto(ClientId.randomId(), 1,
            StateMachineLogEntryProto.Type.WRITE, new PartitionEntryHeader(1, 3, stored.remaining()).encode(),
            ByteString.copyFrom(stored.duplicate()));
        final LogEntryProto entry = LogProtoUtils.toLogEntryProto(smEntry, 99, 10_000);
        follower.write(entry, null).get(10, TimeUnit.SECONDS);

        assertThat(follower.isHealthy()).isTrue();
        assertThat(follower.log().logEndOffset()).isEqualTo(6);
        assertThat(follower.read(entry, null).get(10, TimeUnit.SECONDS).size()).isEqualTo(stored.remaining());
    }

    @Test
    void shouldRefuseARequestWithMoreThanOneIdempotentBatch() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        final RaftServerHost host = cluster.host(cluster.awaitLeader(P));

        // Two batches in one request would share one answer, and the gate judges one batch per request.
        assertThatThrownBy(() -> host.append(P, TestBatches.concat(batch((short) 0, 0, 1), batch((short) 0, 1, 1)),
            Acks.ALL).get(10, TimeUnit.SECONDS))
            .cause().isInstanceOf(CorruptBatchException.class).hasMessageContaining("one per partition and request");
        assertThat(cluster.appendToLeader(P, batch((short) 0, 0, 1)).baseOffset()).isZero();
    }
}
