package dev.ferry.client.consumer;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.Errors;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.TopicPartitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a subscribed consumer in its group from a thread of its own, as Kafka's consumer does, so that slow
 * processing between two polls does not cost the member its partitions: it heartbeats at the interval the
 * coordinator gives, finds the coordinator again when it moved, and enforces max.poll.interval.ms by leaving the
 * group (member epoch -1) when the application has not polled for that long, so its partitions go to others.
 *
 * <p>It never touches the consumer's partitions: a new assignment, a fencing (UNKNOWN_MEMBER_ID,
 * FENCED_MEMBER_EPOCH) or a poll-timeout leave is recorded here and the consumer is woken; the thread calling
 * {@code poll} takes it ({@link #takeTarget}, {@link #takeLost}), runs the rebalance listener and changes the fetch
 * positions, then reports what it owns ({@link #owned}, {@link #released}). After losing its membership the
 * member sends nothing until the consumer has released its partitions on its next poll, then rejoins (epoch 0).
 *
 * <p>Thread-safe: the state is guarded by this object's monitor; requests go out without it held, and responses
 * are handled on the network thread under it.
 */
final class HeartbeatThread implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatThread.class);
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long JOIN_MILLIS = 5_000;

    private final GroupClient group;
    private final ConsumerConfig config;
    private final Runnable wakeConsumer;
    private final long maxPollIntervalNanos;
    private final Thread thread;

    private final Set<String> subscription = new LinkedHashSet<>();
    private boolean subscriptionChanged;
    private Set<TopicPartition> owned = Set.of();
    private String memberId = "";
    private int memberEpoch;
    /** Bumped when the membership ends (fenced, left): responses to older requests are ignored. */
    private int generation;
    private CompletableFuture<ConsumerGroupHeartbeatResponse> inFlight;
    private long nextHeartbeatNanos;
    private Set<TopicPartition> target;
    private boolean lost;
    private boolean awaitingRelease;
    private FerryException error;
    private long lastPollNanos;
    private boolean inPoll;
    private boolean running = true;

    /**
     * @param group the coordinator client
     * @param config the consumer's settings (group, rack, assignor, max.poll.interval.ms)
     * @param wakeConsumer called (on any thread) when the consumer has something to take; must not block
     */
    HeartbeatThread(final GroupClient group, final ConsumerConfig config, final Runnable wakeConsumer) {
        this.group = group;
        this.config = config;
        this.wakeConsumer = wakeConsumer;
        this.maxPollIntervalNanos = TimeUnit.MILLISECONDS.toNanos(config.maxPollIntervalMs());
        this.thread = new Thread(this::run, "ferry-consumer-heartbeat-" + config.clientId() + "-" + config.groupId());
        this.thread.setDaemon(true);
    }

    // ---- called by the consumer's thread ---------------------------------------------------------------------

    /** @param topics the new subscription: sent with the next heartbeat, which goes at once */
    synchronized void subscribe(final Collection<String> topics) {
        subscription.clear();
        subscription.addAll(topics);
        subscriptionChanged = true;
        final long now = System.nanoTime();
        nextHeartbeatNanos = now;
        lastPollNanos = now;
        if (thread.getState() == Thread.State.NEW) {
            thread.start();
        }
        notifyAll();
    }

    /** The application is in poll: max.poll.interval.ms does not run out while it is. */
    synchronized void pollStarted() {
        inPoll = true;
        lastPollNanos = System.nanoTime();
    }

    /** The application left poll: max.poll.interval.ms counts from now. */
    synchronized void pollEnded() {
        inPoll = false;
        lastPollNanos = System.nanoTime();
        notifyAll();
    }

    /** @return the partitions the coordinator assigns now when they differ from those owned, else null (once) */
    synchronized Set<TopicPartition> takeTarget() {
        final Set<TopicPartition> t = target;
        target = null;
        return t;
    }

    /** @return true (once) when the membership was lost: drop every partition, then call {@link #released} */
    synchronized boolean takeLost() {
        final boolean l = lost;
        lost = false;
        return l;
    }

    /** @return a group error that is not retriable (once), else null */
    synchronized FerryException takeError() {
        final FerryException e = error;
        error = null;
        return e;
    }

    /**
     * @param partitions the partitions the consumer owns after reconciling, reported with the next heartbeat
     * @param now whether that heartbeat goes at once (a revocation the new owners wait for)
     */
    synchronized void owned(final Set<TopicPartition> partitions, final boolean now) {
        owned = Set.copyOf(partitions);
        if (now) {
            nextHeartbeatNanos = System.nanoTime();
        }
        notifyAll();
    }

    /** The consumer dropped its partitions after a lost membership: rejoin now with epoch 0. */
    synchronized void released() {
        owned = Set.of();
        awaitingRelease = false;
        nextHeartbeatNanos = System.nanoTime();
        notifyAll();
    }

    /** @return the member id for commits while a member (epoch > 0), else "" */
    synchronized String commitMemberId() {
        return !subscription.isEmpty() && memberEpoch > 0 ? memberId : "";
    }

    /** @return the member epoch for commits while a member, else -1 */
    synchronized int commitEpoch() {
        return !subscription.isEmpty() && memberEpoch > 0 ? memberEpoch : -1;
    }

    /**
     * @return true between a lost membership (fenced, or left after max.poll.interval.ms) and the poll that
     *         releases the partitions: another member may own them now, so commits must fail
     */
    synchronized boolean membershipLost() {
        return !subscription.isEmpty() && awaitingRelease;
    }

    /** @return the member id the coordinator gave, "" before the first answer */
    synchronized String memberId() {
        return memberId;
    }

    /**
     * Stops heartbeating and leaves the group (epoch -1) once the heartbeat in flight is answered, so that the leave
     * is the last word the coordinator hears (and names the member id a first join in flight is given).
     *
     * @return completes when the coordinator confirmed; already complete when this consumer is no member
     */
    CompletableFuture<Void> leave() {
        final CompletableFuture<ConsumerGroupHeartbeatResponse> before;
        final String id;
        synchronized (this) {
            final boolean member = !awaitingRelease && (!memberId.isEmpty() || inFlight != null);
            id = memberId;
            before = inFlight;
            endMembership();
            subscription.clear();
            memberId = "";
            awaitingRelease = false;
            lost = false;
            owned = Set.of();
            notifyAll();
            if (!member) {
                return CompletableFuture.completedFuture(null);
            }
        }
        return sendLeave(before, id, "left");
    }

    /** Sends the leave after {@code before} (if any) is answered, with the id it gave when {@code id} is "". */
    private CompletableFuture<Void> sendLeave(final CompletableFuture<ConsumerGroupHeartbeatResponse> before,
                                              final String id, final String what) {
        final CompletableFuture<ConsumerGroupHeartbeatResponse> answered = before == null
            ? CompletableFuture.completedFuture(null) : before.handle((r, e) -> e == null ? r : null);
        return answered.thenCompose(r -> {
            final String leaving = id.isEmpty() && r != null && r.getError() == ErrorCode.NONE ? r.getMemberId() : id;
            if (leaving.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            return send(ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(config.groupId())
                .setMemberId(leaving).setMemberEpoch(-1).build()).thenApply(a -> {
                    if (a.getError() != ErrorCode.NONE) {
                        throw FerryException.of(a.getError(), "leave group=" + config.groupId() + " member="
                            + leaving + ": " + a.getErrorMessage());
                    }
                    LOG.info("group={} member={} {}", config.groupId(), leaving, what);
                    return null;
                });
        });
    }

    /** Stops the thread (after {@link #leave}, which sends the last request). */
    @Override
    public void close() {
        synchronized (this) {
            running = false;
            notifyAll();
        }
        if (thread.getState() != Thread.State.NEW && Thread.currentThread() != thread) {
            try {
                thread.join(JOIN_MILLIS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the heartbeat thread --------------------------------------------------------------------------------

    private void run() {
        while (true) {
            ConsumerGroupHeartbeatRequest request = null;
            CompletableFuture<ConsumerGroupHeartbeatResponse> before = null;
            String leaving = null;
            final int sentGeneration;
            final CompletableFuture<ConsumerGroupHeartbeatResponse> slot = new CompletableFuture<>();
            synchronized (this) {
                final long now = awaitWork();
                if (!running) {
                    return;
                }
                if (pollIntervalExpired(now)) {
                    before = inFlight;
                    leaving = memberId;
                    pollTimeoutLeave();
                } else {
                    request = heartbeatRequest(now);
                    // Claimed before sending, so that a leave waits for this heartbeat's answer.
                    inFlight = slot;
                }
                sentGeneration = generation;
            }
            if (request == null) {
                final String id = leaving;
                sendLeave(before, id, "left after " + ConsumerConfig.MAX_POLL_INTERVAL_MS).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("group={} member={} leave after poll timeout failed (the session timeout removes "
                            + "it): {}", config.groupId(), id, Waits.unwrap(e).getMessage());
                    }
                });
                continue;
            }
            send(request).whenComplete((r, e) -> {
                onResponse(sentGeneration, r, e);
                if (e != null) {
                    slot.completeExceptionally(e);
                } else {
                    slot.complete(r);
                }
            });
        }
    }

    private CompletableFuture<ConsumerGroupHeartbeatResponse> send(final ConsumerGroupHeartbeatRequest request) {
        try {
            return group.heartbeat(request);
        } catch (final RuntimeException e) {
            // A failure to even send (the client closing) must not end this thread: it is retried like a timeout.
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Waits, holding the monitor, until a heartbeat or a poll-timeout leave is due or the thread must stop. */
    private long awaitWork() {
        while (true) {
            final long now = System.nanoTime();
            if (!running) {
                return now;
            }
            final boolean member = !memberId.isEmpty() && !awaitingRelease;
            if (member && pollIntervalExpired(now)) {
                return now;
            }
            final boolean canSend = !subscription.isEmpty() && !awaitingRelease && inFlight == null;
            if (canSend && now - nextHeartbeatNanos >= 0) {
                return now;
            }
            long until = Long.MAX_VALUE;
            if (canSend) {
                until = nextHeartbeatNanos - now;
            }
            if (member && !inPoll) {
                until = Math.min(until, lastPollNanos + maxPollIntervalNanos - now + 1);
            }
            try {
                if (until == Long.MAX_VALUE) {
                    wait();
                } else {
                    TimeUnit.NANOSECONDS.timedWait(this, Math.max(1, until));
                }
            } catch (final InterruptedException e) {
                running = false;
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean pollIntervalExpired(final long now) {
        return !memberId.isEmpty() && !awaitingRelease && !inPoll && now - lastPollNanos > maxPollIntervalNanos;
    }

    private void pollTimeoutLeave() {
        LOG.warn("group={} member={} epoch={} no poll for more than {}={} ms: leaving the group so its partitions "
            + "{} go to other members; the next poll rejoins. Poll more often, or process less per poll "
            + "(max.poll.records)", config.groupId(), memberId, memberEpoch, ConsumerConfig.MAX_POLL_INTERVAL_MS,
            config.maxPollIntervalMs(), owned);
        endMembership();
        lost = true;
        awaitingRelease = true;
        wakeConsumer.run();
    }

    /** Forgets the epoch and any pending assignment; the member id stays for the rejoin. */
    private void endMembership() {
        memberEpoch = 0;
        generation++;
        inFlight = null;
        target = null;
        subscriptionChanged = true;
    }

    private ConsumerGroupHeartbeatRequest heartbeatRequest(final long now) {
        final ConsumerGroupHeartbeatRequest.Builder b = ConsumerGroupHeartbeatRequest.newBuilder()
            .setGroupId(config.groupId()).setMemberId(memberId).setMemberEpoch(memberEpoch)
            .setRackId(config.clientRack()).setRebalanceTimeoutMs(config.maxPollIntervalMs())
            .setServerAssignor(config.groupRemoteAssignor()).addAllOwnedPartitions(toWire(owned));
        if (memberEpoch == 0 || subscriptionChanged) {
            b.addAllSubscribedTopicNames(subscription);
        } else {
            b.setSubscriptionUnchanged(true);
        }
        subscriptionChanged = false;
        // Not before the answer (inFlight), and at the latest a retry later if the request is lost on the way.
        nextHeartbeatNanos = now + RETRY_NANOS;
        return b.build();
    }

    private static List<TopicPartitions> toWire(final Collection<TopicPartition> tps) {
        final Map<String, TopicPartitions.Builder> byTopic = new TreeMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> TopicPartitions.newBuilder().setTopic(t))
            .addPartitions(tp.partition()));
        return byTopic.values().stream().map(TopicPartitions.Builder::build).toList();
    }

    private void onResponse(final int sentGeneration, final ConsumerGroupHeartbeatResponse r, final Throwable e) {
        boolean wake = false;
        synchronized (this) {
            if (sentGeneration != generation || !running) {
                return;
            }
            inFlight = null;
            final long now = System.nanoTime();
            if (e != null) {
                // GroupClient already forgot the coordinator if the failure says it moved or died.
                LOG.debug("group={} member={} heartbeat failed: {}", config.groupId(), memberId, e.toString());
                nextHeartbeatNanos = now + RETRY_NANOS;
            } else {
                wake = onAnswer(r, now);
            }
            notifyAll();
        }
        if (wake) {
            wakeConsumer.run();
        }
    }

    /** @return whether the consumer has something to take */
    private boolean onAnswer(final ConsumerGroupHeartbeatResponse r, final long now) {
        final ErrorCode code = r.getError();
        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            LOG.debug("group={} member={} coordinator moved ({}): finding it again", config.groupId(), memberId,
                code);
            group.resetCoordinator();
            nextHeartbeatNanos = now + RETRY_NANOS;
            return false;
        }
        if (code == ErrorCode.UNKNOWN_MEMBER_ID || code == ErrorCode.FENCED_MEMBER_EPOCH) {
            LOG.info("group={} member={} epoch={} fenced ({}): partitions {} lost, rejoining on the next poll",
                config.groupId(), memberId, memberEpoch, code, owned);
            endMembership();
            lost = true;
            awaitingRelease = true;
            return true;
        }
        final long interval = TimeUnit.MILLISECONDS.toNanos(Math.max(10, r.getHeartbeatIntervalMs()));
        if (code != ErrorCode.NONE) {
            nextHeartbeatNanos = now + Math.max(RETRY_NANOS, interval);
            if (Errors.isRetriable(code)) {
                return false;
            }
            error = FerryException.of(code, "heartbeat of group=" + config.groupId() + ": " + r.getErrorMessage());
            return true;
        }
        memberId = r.getMemberId();
        memberEpoch = r.getMemberEpoch();
        nextHeartbeatNanos = now + interval;
        if (!r.getHasAssignment()) {
            return false;
        }
        final Set<TopicPartition> assigned = new LinkedHashSet<>();
        r.getAssignmentList().forEach(t -> t.getPartitionsList().forEach(p ->
            assigned.add(new TopicPartition(t.getTopic(), p))));
        target = assigned.equals(owned) ? null : assigned;
        return target != null;
    }
}
