package dev.ferry.replication.rpc;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Ratis 3.2.2's gRPC log appender, kept alive through a race that otherwise stops replication to a follower for
 * good. The appender builds a request from the follower's next index under its lock, then raises the next index
 * past the request's last entry, asserting it only grows. A SUCCESS reply to an earlier request or heartbeat moves
 * the next index up without that lock, so when one lands while the request is being built (reading entries can
 * wait for the state machine's data), the assertion fails: "Failed to updateIncreasingly for nextIndex". The
 * appender's thread then dies, and Ratis skips its restart because a dead appender "is not running". The follower
 * stays behind until the next leader change, and keeps the partition short of a replica. Found by the chaos tests
 * (a node restarted under load never caught up).
 *
 * <p>Two guards: a request built from a next index that moved meanwhile is dropped (the next round builds from the
 * new one), which closes nearly all of the window; and the loop survives the assertion in the few instructions
 * left: the assertion has already set the next index to just past the request, which the follower holds (its
 * reply said so), so the next request follows on consistently.
 *
 * <p>Runs on the appender's own thread, as its parent.
 */
final class GuardedLogAppender extends GrpcLogAppender {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedLogAppender.class);
    private static final String RACE = "Failed to updateIncreasingly for nextIndex";

    GuardedLogAppender(final RaftServer.Division server, final LeaderState leaderState, final FollowerInfo follower) {
        super(server, leaderState, follower);
    }

    @Override
    public AppendEntriesRequestProto newAppendEntriesRequest(final long callId, final boolean heartbeat)
        throws RaftLogIOException {
        final AppendEntriesRequestProto request = super.newAppendEntriesRequest(callId, heartbeat);
        if (isStale(request, getFollower().getNextIndex())) {
            LOG.debug("{}: dropped a request built from next index {}, now {}", this,
                request.getEntries(0).getIndex(), getFollower().getNextIndex());
            return null;
        }
        return request;
    }

    @Override
    public void run() throws IOException {
        while (true) {
            try {
                super.run();
                return;
            } catch (final IllegalStateException e) {
                if (!isRaceOfNextIndex(e) || !isRunning()) {
                    throw e;
                }
                LOG.warn("{}: a reply moved next index while a request was built ({}); going on at {}", this,
                    e.getMessage(), getFollower().getNextIndex());
            }
        }
    }

    /**
     * @param request a request just built, or null
     * @param nextIndexNow the follower's next index now
     * @return true when the request carries entries and was built from a next index that has moved since
     */
    static boolean isStale(final AppendEntriesRequestProto request, final long nextIndexNow) {
        return request != null && request.getEntriesCount() > 0 && request.getEntries(0).getIndex() != nextIndexNow;
    }

    /**
     * @param e what the appender's loop threw
     * @return true when it is the next index assertion of the race this class guards against
     */
    static boolean isRaceOfNextIndex(final IllegalStateException e) {
        return e.getMessage() != null && e.getMessage().startsWith(RACE);
    }
}
