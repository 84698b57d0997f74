package dev.ferry.replication.rpc;

import dev.ferry.replication.Durability;
import dev.ferry.replication.RaftPropertiesFactory;
import dev.ferry.replication.RaftTuning;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.rpc.RpcType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard against Ratis 3.2.2's next index race, and that every Raft server Ferry configures uses it.
 */
class GuardedLogAppenderTest {
    @TempDir
    Path dir;

    @Test
    void shouldBeTheTransportRatisResolvesFromFerrysProperties() {
        final RaftProperties p = RaftPropertiesFactory.create(dir, "127.0.0.1", 0, Durability.REPLICATED,
            RaftTuning.DEFAULTS);
        // Ratis resolves a user-defined type by class name, through its public no-argument constructor.
        final RpcType type = RaftConfigKeys.Rpc.type(p, s -> { });
        assertThat(type).isInstanceOf(FerryRpcType.class);
        assertThat(type.newFactory(new Parameters())).isInstanceOf(FerryGrpcFactory.class);
    }

    @Test
    void shouldDropARequestBuiltFromANextIndexThatAReplyMovedMeanwhile() {
        assertThat(GuardedLogAppender.isStale(request(100, 3), 100)).isFalse();
        assertThat(GuardedLogAppender.isStale(request(100, 3), 150)).isTrue();
        // A heartbeat carries no entries: nothing to be stale.
        assertThat(GuardedLogAppender.isStale(request(100, 0), 150)).isFalse();
        assertThat(GuardedLogAppender.isStale(null, 150)).isFalse();
    }

    @Test
    void shouldRecogniseOnlyTheNextIndexAssertion() {
        assertThat(GuardedLogAppender.isRaceOfNextIndex(
            new IllegalStateException("Failed to updateIncreasingly for nextIndex: 343 -> 341"))).isTrue();
        assertThat(GuardedLogAppender.isRaceOfNextIndex(
            new IllegalStateException("Failed to updateIncreasingly for commitIndex: 343 -> 341"))).isFalse();
        assertThat(GuardedLogAppender.isRaceOfNextIndex(new IllegalStateException())).isFalse();
    }

    @Test
    void shouldRetryAFailedLoopAtOnceThenBackOffUpToASecond() {
        assertThat(GuardedLogAppender.retryDelayMs(1)).isZero();
        assertThat(GuardedLogAppender.retryDelayMs(2)).isEqualTo(50);
        assertThat(GuardedLogAppender.retryDelayMs(3)).isEqualTo(100);
        assertThat(GuardedLogAppender.retryDelayMs(6)).isEqualTo(800);
        assertThat(GuardedLogAppender.retryDelayMs(7)).isEqualTo(1_000);
        assertThat(GuardedLogAppender.retryDelayMs(Integer.MAX_VALUE)).isEqualTo(1_000);
    }

    private static AppendEntriesRequestProto request(final long firstIndex, final int entries) {
        final AppendEntriesRequestProto.Builder b = AppendEntriesRequestProto.newBuilder();
        for (int i = 0; i < entries; i++) {
            b.addEntries(LogEntryProto.newBuilder().setIndex(firstIndex + i).setTerm(1));
        }
        return b.build();
    }
}
