package dev.ferry.replication;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Leader readiness goes through the partition's serial chain, behind the applies Ratis handed over before it.
 * Found by the chaos suite: after every node restarted, Ratis announced the new leader ready while the replayed
 * entries were still queued for {@code applyTransaction}; the offsets coordinator loaded committed offsets up to
 * that stale high watermark and answered offsets older than some it had acknowledged. And the other side of a
 * leadership's end: a stopped appender's interrupted read leaves the replica in service.
 */
class LeaderReadyOrderTest {
    private static final PartitionId P = new PartitionId("__consumer_offsets", 3);
    private static final RaftPeerId SELF = RaftPeerId.valueOf("n0");
    private static final RaftGroupMemberId MEMBER = RaftGroupMemberId.valueOf(SELF, RaftGroupId.randomId());

    /** The storage pool, run by hand: what it holds has not happened yet. */
    private final Queue<Runnable> pool = new ArrayDeque<>();
    private final Executor manual = pool::add;
    /** Last applied index each time the listener heard "leader ready". */
    private final List<Long> appliedWhenReady = new ArrayList<>();
    private PartitionStateMachine sm;

    private PartitionStateMachine stateMachine() {
        return new PartitionStateMachine(P, "n0", Durability.REPLICATED, p -> {
            throw new AssertionError("no log is opened here");
        }, null, manual, new ReplicaListener() {
            @Override
            public void onLeadershipChange(final PartitionId partition, final String leaderNodeId,
                                           final boolean leaderReady) {
                if (leaderReady) {
                    appliedWhenReady.add(sm.getLastAppliedTermIndex().getIndex());
                }
            }
        });
    }

    private void runPool() {
        for (Runnable task = pool.poll(); task != null; task = pool.poll()) {
            task.run();
        }
    }

    @Test
    void shouldBeReadyOnlyAfterEveryEarlierApplyRan() {
        sm = stateMachine();
        sm.notifyLeaderChanged(MEMBER, SELF);
        sm.notifyTermIndexUpdated(1, 41);
        sm.notifyTermIndexUpdated(1, 42);

        sm.notifyLeaderReady();

        assertThat(sm.isLeaderReady()).as("ready while index 42 is not applied").isFalse();
        assertThat(sm.highWatermarkForReads()).isEqualTo(-1);
        runPool();
        assertThat(sm.isLeaderReady()).isTrue();
        assertThat(appliedWhenReady).containsExactly(42L);
    }

    @Test
    void shouldIgnoreAReadyOfALeadershipLostMeanwhile() {
        sm = stateMachine();
        sm.notifyLeaderChanged(MEMBER, SELF);
        sm.notifyTermIndexUpdated(1, 7);
        sm.notifyLeaderReady();
        sm.notifyLeaderChanged(MEMBER, RaftPeerId.valueOf("n1"));

        runPool();

        assertThat(sm.isLeaderReady()).isFalse();
        assertThat(sm.isLeader()).isFalse();
        assertThat(appliedWhenReady).isEmpty();
    }

    @Test
    void shouldStayInServiceWhenAStoppedAppendersReadIsInterrupted() {
        sm = stateMachine();
        final LogEntryProto entry = LogEntryProto.newBuilder().setIndex(27).setTerm(1).build();

        // As Ratis reports it: the read's future failed, wrapped in a CompletionException.
        sm.notifyLogFailed(new CompletionException(new InterruptedException()), entry);
        sm.notifyLogFailed(new InterruptedIOException("appender closed"), entry);
        assertThat(sm.isHealthy()).isTrue();

        sm.notifyLogFailed(new IOException("write failed: no space left on device"), entry);
        assertThat(sm.isHealthy()).isFalse();
    }
}
