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
import java.io.InterruptedIOException;

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
 * <p>The same race has other faces, each of which killed the appender as well (the 30-minute chaos soak, after a
 * follower came back with a shorter log and answered INCONSISTENCY): "Previous TermIndex not found for firstIndex"
 * (a NullPointerException: the previous entry was looked up for one next index and the request built for another)
 * and "Previous = ... but firstIndex = ...". Reading an entry's data can also fail for a round. So the loop goes on
 * after any failure while the appender is still meant to run, after a short pause that grows while failures repeat
 * ({@link #retryDelayMs}); a stopped appender (leadership lost, follower removed) ends as before.
 *
 * <p>Runs on the appender's own thread, as its parent.
 */
final class GuardedLogAppender extends GrpcLogAppender {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedLogAppender.class);
    private static final String RACE = "Failed to updateIncreasingly for nextIndex";
    private static final long FIRST_RETRY_DELAY_MS = 50;
    private static final long MAX_RETRY_DELAY_MS = 1_000;
    private static final long CALM_NANOS = 5_000_000_000L;

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
        int failures = 0;
        while (true) {
            final long started = System.nanoTime();
            try {
                super.run();
                return;
            } catch (final RuntimeException | IOException e) {
                if (!isRunning() || e instanceof InterruptedIOException) {
                    throw e;
                }
                // A loop that ran a while before failing starts the pauses over.
                failures = System.nanoTime() - started > CALM_NANOS ? 1 : failures + 1;
                final long delayMs = retryDelayMs(failures);
                if (e instanceof IllegalStateException ise && isRaceOfNextIndex(ise)) {
                    LOG.warn("{}: a reply moved next index while a request was built ({}); going on at {}", this,
                        e.getMessage(), getFollower().getNextIndex());
                } else {
                    LOG.warn("{}: appender loop failed ({} in a row), going on in {} ms at next index {}: {}", this,
                        failures, delayMs, getFollower().getNextIndex(), e.toString());
                }
                if (!pause(delayMs)) {
                    return;
                }
            }
        }
    }

    /** @return false when interrupted (the appender is being stopped) */
    private static boolean pause(final long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * @param failures consecutive failures of the appender's loop, from 1
     * @return how long to wait before running it again: the race needs no wait, a failure that repeats (an entry
     *         that cannot be read for now) should not spin, so 0 ms for the first, then 50 ms doubling up to 1 s
     */
    static long retryDelayMs(final int failures) {
        if (failures <= 1) {
            return 0;
        }
        return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS << Math.min(failures - 2, 10));
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
