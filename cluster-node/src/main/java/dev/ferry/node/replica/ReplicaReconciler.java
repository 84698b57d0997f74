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
 * <p>Leader balancing, as Kafka's preferred replica election. A new partition's Raft group starts with its
 * preferred replica (the first assigned) at the highest Raft priority, so that replica wins the first election
 * (Ratis' candidates wait for a higher-priority replica's answer). Once it leads, the priorities are evened out:
 * with a preferred replica of higher priority, every later election would also wait for its vote until the round
 * timed out, in both the pre-vote and the vote, and when the preferred leader's machine dies (the usual case)
 * that cost up to two election timeouts more (the chaos runs' leader kills: 4 to 6 s without a leader instead of
 * 1 to 3). From then on the leader of a partition whose preferred replica has been away from leadership for a
 * while, and is in sync, hands leadership to it.
 *
 * <p>An out-of-service replica (a failed disk write, data found damaged or missing at start) is rebuilt from its
 * peers ({@link #repair}).
 *
 * <p>Passes run on one thread: on every new metadata image and every second while work is left (a peer not
 * yet reachable, a membership change refused). Membership changes, which wait for new replicas to catch up,
 * run on a separate thread so that they never hold up adding replicas. Thread-safe.
 */
public final class ReplicaReconciler implements Closeable, ReplicaListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaReconciler.class);
    private static final long RETRY_MS = 1000;
    /**
     * How long a leadership stays off its preferred replica before it is moved back (and how long uneven
     * priorities stay under another leader before they are evened out): a graceful stop moves leaderships off a
     * node that is still in sync, and must not get them back at once.
     */
    private static final long BALANCE_DELAY_MS = 10_000;
    /**
     * A preferred replica takes leadership back only once it answers its leader and is this close: while Ratis
     * transfers leadership it refuses writes until the target has caught up, so the transfer must be short, and
     * it gives up after {@link #BALANCE_TRANSFER_TIMEOUT_MS}.
     */
    private static final long BALANCE_MAX_LAG_MS = 1_000;
    private static final long BALANCE_MAX_LAG_ENTRIES = 20;
    private static final long BALANCE_TRANSFER_TIMEOUT_MS = 2_000;
    /** Every replica's Raft priority once a partition's first leader has been elected (see the class comment). */
    private static final int EVEN_PRIORITY = 1;
    /** The preferred replica's priority in a new partition's Raft group, so that it wins the first election. */
    private static final int FIRST_ELECTION_PRIORITY = 2;
    /** Between two rebuilds of one replica (a disk that stays full fails each). */
    private static final long REPAIR_BACKOFF_MS = 30_000;
    /** Between two looks for a healthy leader to rebuild from. */
    private static final long REPAIR_WAIT_MS = 2_000;

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
    private final Map<PartitionId, Long> repairNotBefore = new ConcurrentHashMap<>();
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
            if (changing.contains(p)) {
                // A rebuild removes and adds the replica on the membership thread: not under its feet.
                pending = true;
            } else if (hosted.contains(p) && !host.isAlive(p)) {
                // Ratis closed the group after a failure (e.g. a refused snapshot): start the replica afresh.
                LOG.warn("partition={} node={} replica's Raft group is closed; removing it to add it again", p,
                    nodeId);
                pending |= !remove(p) || !add(d, p, a);
            } else if (!hosted.contains(p)) {
                pending |= !add(d, p, a);
            } else if (!isHealthy(p)) {
                pending |= !repair(p);
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

    private boolean isHealthy(final PartitionId p) {
        final PartitionStateMachine sm = host.stateMachine(p);
        return sm == null || sm.isHealthy();
    }

    /**
     * Rebuilds an out-of-service replica (a failed disk write, data found damaged or missing at start) from its
     * peers, as an operator would by deleting its files: first it leaves leadership, then, once a healthy replica
     * leads the partition (so the data is there to copy), its files are deleted and it is added again, empty.
     * Tries again after {@link #REPAIR_BACKOFF_MS}, e.g. while a full disk stays full.
     *
     * @return false while the repair is left for a later pass
     */
    private boolean repair(final PartitionId p) {
        final PartitionStateMachine sm = host.stateMachine(p);
        final long now = System.nanoTime();
        final Long notBefore = repairNotBefore.get(p);
        if (changing.contains(p) || notBefore != null && now - notBefore < 0) {
            return false;
        }
        final String leader = sm.leaderNodeId();
        final boolean ledElsewhere = leader != null && !leader.equals(Integer.toString(nodeId)) && !sm.isLeader();
        changing.add(p);
        membership.execute(() -> {
            try {
                host.retireFromLeadership(p);
                if (ledElsewhere) {
                    repairNotBefore.put(p, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPAIR_BACKOFF_MS));
                    host.rebuildReplica(p);
                    LOG.info("partition={} node={} replica rebuilt empty; leader node={} catches it up", p, nodeId,
                        leader);
                } else {
                    repairNotBefore.put(p, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REPAIR_WAIT_MS));
                    LOG.info("partition={} node={} replica out of service waits for a healthy leader to rebuild"
                        + " from (leader={})", p, nodeId, leader);
                }
            } catch (final IOException | RuntimeException e) {
                LOG.warn("partition={} node={} replica rebuild not done yet, will retry: {}", p, nodeId,
                    e.toString());
            } finally {
                changing.remove(p);
            }
        });
        return false;
    }

    private boolean add(final Desired d, final PartitionId p, final Assignment a) {
        // A node joining through a reassignment starts with the current membership, which does not hold it: Ratis
        // then waits ("initializing") for the leader to add it instead of campaigning. Starting with the target
        // membership would let two new replicas elect one of them in a group of their own.
        final List<Integer> members = a.replicas();
        final List<RaftPeer> peers = peers(d, members, members.get(0));
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
     * target, evens out priorities (once the preferred replica leads, see the class comment) and balances
     * leadership ({@link #balanceLeadership}).
     *
     * @return false while work is left for a later pass
     */
    private boolean maybeReassign(final Desired d, final PartitionId p, final Assignment a) {
        final PartitionStateMachine sm = host.stateMachine(p);
        if (sm == null || !sm.isLeaderReady() || changing.contains(p)) {
            if (sm == null || !sm.isLeader()) {
                driftSince.remove(p);
            }
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
        final boolean even = prioritiesEven(current);
        if (!reassigning && last && even) {
            return balanceLeadership(p, goal.get(0));
        }
        // Uneven priorities under the preferred leader are the first election's: even them out at once. Under
        // another leader Ratis hands leadership to the preferred replica once it has caught up; if it stays away,
        // even them out too, so that elections stop waiting for its vote.
        if (!reassigning && (!last || (goal.get(0) != nodeId && !drifted(p)))) {
            return false;
        }
        final List<RaftPeer> peers = peers(d, last ? goal : next, -1);
        if (peers == null) {
            return false;
        }
        changing.add(p);
        membership.execute(() -> {
            try {
                if (!last || !even) {
                    host.changeReplicas(p, peers);
                    if (last && !even) {
                        LOG.info("partition={} node={} replica priorities evened out", p, nodeId);
                    }
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

    /**
     * On the leader: hands leadership to the partition's preferred replica once that has been away from it for
     * {@link #BALANCE_DELAY_MS} and is in sync.
     *
     * @return false while that is left for a later pass
     */
    private boolean balanceLeadership(final PartitionId p, final int preferred) {
        if (preferred == nodeId) {
            driftSince.remove(p);
            return true;
        }
        if (!drifted(p)) {
            return false;
        }
        try {
            if (!host.inSyncReplicas(p, BALANCE_MAX_LAG_MS, BALANCE_MAX_LAG_ENTRIES)
                .contains(Integer.toString(preferred))) {
                return false;
            }
        } catch (final IOException | RuntimeException e) {
            return false;
        }
        changing.add(p);
        membership.execute(() -> {
            try {
                host.transferLeadership(p, Integer.toString(preferred), BALANCE_TRANSFER_TIMEOUT_MS);
                LOG.info("partition={} node={} leadership handed back to its preferred replica node={}", p, nodeId,
                    preferred);
                driftSince.remove(p);
            } catch (final IOException | RuntimeException e) {
                LOG.warn("partition={} node={} could not hand leadership to its preferred replica node={}, will try"
                    + " again in {} ms: {}", p, nodeId, preferred, BALANCE_DELAY_MS, e.toString());
                // A transfer refuses writes while it lasts: not again at once.
                driftSince.put(p, System.nanoTime());
            } finally {
                changing.remove(p);
                passes.execute(this::pass);
            }
        });
        return true;
    }

    /** A leadership or priority that differs from the assignment's is put right only after a while. */
    private boolean drifted(final PartitionId p) {
        final long now = System.nanoTime();
        final long since = driftSince.computeIfAbsent(p, k -> now);
        return now - since >= TimeUnit.MILLISECONDS.toNanos(BALANCE_DELAY_MS);
    }

    private static boolean prioritiesEven(final List<RaftPeer> current) {
        for (final RaftPeer peer : current) {
            if (peer.getPriority() != EVEN_PRIORITY) {
                return false;
            }
        }
        return true;
    }

    /**
     * @param first the node whose replica gets {@link #FIRST_ELECTION_PRIORITY}, or -1 for even priorities
     * @return the Raft peers of the nodes; null when one is unknown
     */
    private static List<RaftPeer> peers(final Desired d, final List<Integer> nodes, final int first) {
        final List<RaftPeer> peers = new ArrayList<>(nodes.size());
        for (final int node : nodes) {
            final String address = d.raftAddress(node);
            if (address == null) {
                return null;
            }
            final int priority = node == first ? FIRST_ELECTION_PRIORITY : EVEN_PRIORITY;
            peers.add(RaftServerHost.peer(Integer.toString(node), address, priority));
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
