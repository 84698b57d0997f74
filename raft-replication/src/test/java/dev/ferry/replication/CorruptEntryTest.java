package dev.ferry.replication;

import dev.ferry.log.TestBatches;
import dev.ferry.log.record.InvalidBatchException;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.server.raftlog.LogProtoUtils;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class CorruptEntryTest extends RaftClusterTest {
    private static final PartitionId P = new PartitionId("audit", 0);
    private static final long SEED = 20261122L;

    @Test
    void shouldRefuseFuzzedEntriesWithATypedErrorAndNeverAnythingElse() {
        final Random random = new Random(SEED);
        final ByteBuffer good = TestBatches.concat(TestBatches.batch(3, 40, 1L), TestBatches.batch(2, 10, 2L));
        final ByteString goodHeader = new PartitionEntryHeader(2, 5, good.remaining()).encode();
        assertThat(PartitionStateMachine.checkEntry(goodHeader, good.duplicate(), 1 << 20).recordCount()).isEqualTo(5);
        for (int i = 0; i < 2000; i++) {
            final byte[] data = new byte[good.remaining()];
            good.duplicate().get(data);
            final byte[] header = goodHeader.toByteArray();
            final int mode = random.nextInt(4);
            if (mode == 0) {
                data[random.nextInt(data.length)] ^= (byte) (1 + random.nextInt(255));
            } else if (mode == 1) {
                header[random.nextInt(header.length)] ^= (byte) (1 + random.nextInt(255));
            } else if (mode == 2) {
                random.nextBytes(data);
            } else {
                header[1 + random.nextInt(header.length - 1)] = (byte) random.nextInt();
                random.nextBytes(data);
            }
            final Throwable t = catchThrowable(() -> PartitionStateMachine.checkEntry(ByteString.copyFrom(header),
                ByteBuffer.wrap(data), 1 << 20));
            if (t != null) {
                assertThat(t).as("seed=%d iteration=%d", SEED, i)
                    .isInstanceOfAny(IllegalArgumentException.class, InvalidBatchException.class);
                assertThat(t.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void shouldTakeAFollowerOutOfServiceWhenItReceivesACorruptEntryWhileTheNodeStaysUp() throws Exception {
        cluster = new MiniFerryRaftCluster(tmp, 3, Durability.REPLICATED, MiniFerryRaftCluster.smallSegments());
        cluster.createPartition(P);
        cluster.appendToLeader(P, TestBatches.batch(2, 10, 1L));
        cluster.awaitHighWatermark(P, 2);
        final int follower = (cluster.awaitLeader(P) + 1) % 3;
        final PartitionStateMachine sm = cluster.host(follower).stateMachine(P);
        final long endBefore = sm.log().logEndOffset();

        final ByteBuffer corrupt = TestBatches.batch(2, 10, 1L);
        corrupt.put(corrupt.limit() - 1, (byte) 0x55);
        final StateMachineLogEntryProto smEntry = LogProtoUtils.toStateMachineLogEntryProto(ClientId.randomId(), 1,
            StateMachineLogEntryProto.Type.WRITE, new PartitionEntryHeader(1, 2, corrupt.remaining()).encode(),
            ByteString.copyFrom(corrupt));
        final LogEntryProto entry = LogProtoUtils.toLogEntryProto(smEntry, 99, 10_000);
        final CompletableFuture<?> written = sm.write(entry, null);

        assertThatThrownBy(() -> written.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
            .hasMessageContaining("CRC mismatch");
        assertThat(sm.isHealthy()).isFalse();
        assertThat(sm.log().logEndOffset()).isEqualTo(endBefore);
        assertThatThrownBy(() -> sm.write(entry, null).get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ReplicaUnhealthyException.class);
        // The node and the partition's majority keep working.
        assertThat(cluster.appendToLeader(P, TestBatches.batch(1, 10, 1L)).baseOffset()).isEqualTo(2);
    }
}
