package dev.ferry.node.replica;

import dev.ferry.log.LogConfig;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaListener;
import org.apache.ratis.protocol.RaftPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * Makes the partition replicas of this node match the cluster metadata, as Kafka's {@code ReplicaManager}
 * applies metadata deltas: it adds the Raft group of every partition assigned here, removes (with its files)
 * every replica no longer assigned, applies changed topic configs to open logs, and on the leader of a
 * partition under reassignment changes the Raft membership to the target replicas, then tells the controller.
 *
 * <p>Every replica's first assigned node gets the highest Raft priority, so Ratis hands leadership back to a
 * partition's preferred leader once that node has returned and caught up (leader balancing).
 *
 * <p>Passes run on one thread: on every new metadata image and every second while work is left (a peer not
 * yet reachable, a membership change refused). Membership changes, which wait for new replicas to catch up,
 * run on a separate thread so that they never hold up adding replicas. Thread-safe.
 */
public final class ReplicaReconciler implements Closeable, ReplicaListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaReconciler.class);
    private static final long RETRY_MS = 1000;
    /** How long a raised priority (leadership moved off the preferred leader) stays before it is restored. */
    private static final long PRIORITY_RESTORE_DELAY_MS = 10_000;

    /**
     * Where a partition's replicas are meant to be.
     *
     * @param replicas the current replicas, preferred leader first
     * @param target the replicas a reassignment moves it to, or empty when none is in progress
     */
    public record Assignment(List<Integer> replicas, List<Integer> target) {
        /** @return the nodes that must host a replica while the assignment lasts */
        Set<Integer> hosts() {
            final Set<Integer> all = new LinkedHashSet<>(replicas);
            all.addAll(target);
            return all;
        }
    }

    /** A snapshot of what the metadata wants; implementations are immutable. */
    public interface Desired {
        /** @return every partition of every topic with its assignment */
        Map<PartitionId, Assignment> assignments();

        /**
         * @param nodeId a node
         * @return its Raft address (host:port), or null when the node is not registered
         */
        String raftAddress(int nodeId);

        /**
         * @param partition a partition
         * @return the settings of its log: the topic's overrides over the node's defaults
         */
        LogConfig logConfig(PartitionId partition);
    }

    /** Tells the controller a reassignment finished: the partition's Raft group now has exactly these replicas. */
    @FunctionalInterface
    public interface ReassignmentCompleter {
        /**
         * @param partition the partition
         * @param replicas its replicas now
         * @return completes when the controller has recorded it
         */
        CompletableFuture<Void> complete(PartitionId partition, List<Integer> replicas);
    }

    private final int nodeId;
    private final RaftServerHost host;
    private final ReassignmentCompleter completer;
    private final BiPredicate<Integer, PartitionId> replicaStarted;
    private final ScheduledExecutorService passes;
    private final ExecutorService membership;
    private final Set<PartitionId> changing = ConcurrentHashMap.newKeySet();
    private final Map<PartitionId, Long> driftSince = new ConcurrentHashMap<>();
    private volatile Desired desired;
    private volatile boolean retryScheduled;

    /**
     * @param nodeId this node
     * @param host the node's Raft server
     * @param completer records finished reassignments
     * @param replicaStarted whether a node hosts a started replica of a partition (asked before the leader adds
     *                       it to the Raft group: a replica contacted by its leader while it starts can fail)
     */
    public ReplicaReconciler(final int nodeId, final RaftServerHost host, final ReassignmentCompleter completer,
                             final BiPredicate<Integer, PartitionId> replicaStarted) {
        this.nodeId = nodeId;
        this.replicaStarted = replicaStarted;
        this.host = host;
        this.completer = completer;
        this.passes = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ferry-reconciler-" + nodeId));
        this.membership = Executors.newSingleThreadExecutor(r -> daemon(r, "ferry-membership-" + nodeId));
        host.addListener(this);
        host.setLogConfigs(p -> {
            final Desired d = desired;
            return d == null ? host.defaultLogConfig() : d.logConfig(p);
        });
    }

    private static Thread daemon(final Runnable r, final String name) {
        final Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Takes a new metadata snapshot and reconciles with it soon.
     *
     * @param next what the metadata wants now
     */
    public void update(final Desired next) {
        this.desired = next;
        passes.execute(this::pass);
    }

    /** A new leader may have a reassignment or a priority to finish: look again. */
    @Override
    public void onLeadershipChange(final PartitionId partition, final String leaderNodeId, final boolean leaderReady) {
        if (leaderReady && desired != null) {
            try {
                passes.execute(this::pass);
            } catch (final RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    private void schedule() {
        if (!retryScheduled) {
            retryScheduled = true;
            passes.schedule(() -> {
                retryScheduled = false;
                pass();
            }, RETRY_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** @return true when the hosted replicas match the last metadata seen and no reassignment runs here */
    public boolean isSettled() {
        final Desired d = desired;
        if (d == null) {
            return false;
        }
        final Set<PartitionId> want = wanted(d);
        return host.partitions().equals(want) && changing.isEmpty();
    }

    private Set<PartitionId> wanted(final Desired d) {
        final Set<PartitionId> want = new HashSet<>();
        d.assignments().forEach((p, a) -> {
            if (a.hosts().contains(nodeId)) {
                want.add(p);
            }
        });
        return want;
    }

    private void pass() {
        final Desired d = desired;
        if (d == null) {
            return;
        }
        boolean pending = false;
        final Set<PartitionId> hosted = host.partitions();
        for (final Map.Entry<PartitionId, Assignment> e : d.assignments().entrySet()) {
            final PartitionId p = e.getKey();
            final Assignment a = e.getValue();
            if (!a.hosts().contains(nodeId)) {
                continue;
            }
            if (hosted.contains(p) && !host.isAlive(p)) {
                // Ratis closed the group after a failure (e.g. a refused snapshot): start the replica afresh.
                LOG.warn("partition={} node={} replica's Raft group is closed; removing it to add it again", p,
                    nodeId);
                pending |= !remove(p) || !add(d, p, a);
            } else if (!hosted.contains(p)) {
                pending |= !add(d, p, a);
            } else {
                host.updateLogConfig(p, d.logConfig(p));
                pending |= !maybeReassign(d, p, a);
            }
        }
        final Set<PartitionId> want = wanted(d);
        for (final PartitionId p : hosted) {
            if (!want.contains(p)) {
                pending |= !remove(p);
            }
        }
        if (pending) {
            schedule();
        }
    }

    private boolean add(final Desired d, final PartitionId p, final Assignment a) {
        // A node joining through a reassignment starts with the current membership, which does not hold it: Ratis
        // then waits ("initializing") for the leader to add it instead of campaigning. Starting with the target
        // membership would let two new replicas elect one of them in a group of their own.
        final List<Integer> members = a.replicas();
        final List<RaftPeer> peers = peers(d, members, members);
        if (peers == null) {
            return false;
        }
        try {
            host.addReplica(p, peers);
            return true;
        } catch (final IOException | RuntimeException e) {
            LOG.warn("partition={} node={} could not add replica, will retry: {}", p, nodeId, e.toString());
            return false;
        }
    }

    private boolean remove(final PartitionId p) {
        try {
            host.removeReplica(p, true);
            LOG.info("partition={} node={} replica removed: no longer assigned here", p, nodeId);
            return true;
        } catch (final IOException | RuntimeException e) {
            LOG.warn("partition={} node={} could not remove replica, will retry: {}", p, nodeId, e.toString());
            return false;
        }
    }

    /**
     * On the leader: moves the partition's Raft configuration towards its assignment one replica at a time (add
     * a missing target replica once its node has started it, else remove one that is not in the target, since
     * Ratis refuses a change of a majority at once), tells the controller when the configuration equals the
     * target, and restores the preferred leader's priority after a leadership transfer raised another's.
     *
     * @return false while work is left for a later pass
     */
    private boolean maybeReassign(final Desired d, final PartitionId p, final Assignment a) {
        final PartitionStateMachine sm = host.stateMachine(p);
        if (sm == null || !sm.isLeaderReady() || changing.contains(p)) {
            return true;
        }
        final List<RaftPeer> current;
        try {
            current = host.currentPeers(p);
        } catch (final IOException | RuntimeException e) {
            return false;
        }
        final List<Integer> members = new ArrayList<>();
        current.forEach(peer -> members.add(Integer.parseInt(peer.getId().toString())));
        final boolean reassigning = !a.target().isEmpty() && !a.target().equals(a.replicas());
        final List<Integer> goal = reassigning ? a.target() : a.replicas();
        final List<Integer> next = nextMembers(p, members, goal);
        if (next == null) {
            return false;
        }
        final boolean last = new HashSet<>(next).equals(new HashSet<>(goal));
        if (!reassigning && last && prioritiesMatch(current, goal)) {
            driftSince.remove(p);
            return true;
        }
        if (!reassigning && (!last || !drifted(p))) {
            return false;
        }
        final List<RaftPeer> peers = peers(d, last ? goal : next, goal);
        if (peers == null) {
            return false;
        }
        changing.add(p);
        membership.execute(() -> {
            try {
                if (!last || !prioritiesMatch(current, goal)) {
                    host.changeReplicas(p, peers);
                }
                if (last && reassigning) {
                    completer.complete(p, a.target()).get(30, TimeUnit.SECONDS);
                    LOG.info("partition={} node={} reassignment done: replicas {} -> {}", p, nodeId, a.replicas(),
                        a.target());
                }
                driftSince.remove(p);
            } catch (final Exception e) {
                LOG.warn("partition={} node={} replica change towards {} not done yet, will retry: {}", p, nodeId,
                    goal, e.toString());
            } finally {
                changing.remove(p);
                passes.execute(this::pass);
            }
        });
        return false;
    }

    /** @return the next membership on the way from members to goal, or null to wait for a replica to start */
    private List<Integer> nextMembers(final PartitionId p, final List<Integer> members, final List<Integer> goal) {
        for (final int node : goal) {
            if (!members.contains(node)) {
                if (!replicaStarted.test(node, p)) {
                    LOG.info("partition={} node={} reassignment waits for node={} to start its replica", p, nodeId,
                        node);
                    return null;
                }
                final List<Integer> next = new ArrayList<>(members);
                next.add(node);
                return next;
            }
        }
        // Remove others before this leader: a leader removing itself steps down once the change commits.
        Integer extra = null;
        for (final int node : members) {
            if (!goal.contains(node) && (extra == null || extra == nodeId)) {
                extra = node;
            }
        }
        if (extra == null) {
            return members;
        }
        if (extra == nodeId) {
            // Ratis mishandles a leader that commits a configuration without itself (it sends followers snapshots
            // naming a leader outside the configuration): hand leadership to a target replica first.
            final int successor = goal.get(0);
            changing.add(p);
            membership.execute(() -> {
                try {
                    host.transferLeadership(p, Integer.toString(successor), 30_000);
                    LOG.info("partition={} node={} leadership handed to node={} before leaving the replicas", p,
                        nodeId, successor);
                } catch (final IOException | RuntimeException e) {
                    LOG.warn("partition={} node={} could not hand leadership to node={}: {}", p, nodeId, successor,
                        e.toString());
                } finally {
                    changing.remove(p);
                    passes.execute(this::pass);
                }
            });
            return null;
        }
        final List<Integer> next = new ArrayList<>(members);
        next.remove(extra);
        return next;
    }

    /** A priority that differs from the assignment's is restored only after a while: a graceful stop raised it. */
    private boolean drifted(final PartitionId p) {
        final long now = System.nanoTime();
        final long since = driftSince.computeIfAbsent(p, k -> now);
        return now - since >= TimeUnit.MILLISECONDS.toNanos(PRIORITY_RESTORE_DELAY_MS);
    }

    private static boolean prioritiesMatch(final List<RaftPeer> current, final List<Integer> goal) {
        for (final RaftPeer peer : current) {
            final int node = Integer.parseInt(peer.getId().toString());
            if (peer.getPriority() != priority(goal, node)) {
                return false;
            }
        }
        return true;
    }

    private static int priority(final List<Integer> goal, final int node) {
        return !goal.isEmpty() && goal.get(0) == node ? 2 : 1;
    }

    /** @return the Raft peers of the nodes, the goal's first with the highest priority; null when one is unknown */
    private static List<RaftPeer> peers(final Desired d, final List<Integer> nodes, final List<Integer> goal) {
        final List<RaftPeer> peers = new ArrayList<>(nodes.size());
        for (final int node : nodes) {
            final String address = d.raftAddress(node);
            if (address == null) {
                return null;
            }
            peers.add(RaftServerHost.peer(Integer.toString(node), address, priority(goal, node)));
        }
        return peers;
    }

    @Override
    public void close() {
        passes.shutdownNow();
        membership.shutdownNow();
        try {
            passes.awaitTermination(10, TimeUnit.SECONDS);
            membership.awaitTermination(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
