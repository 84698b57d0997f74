package dev.ferry.node.metrics;

import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.ReplicaStatus;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The replica part of readiness, from what a node knows locally: every replica it hosts is healthy (no storage
 * failure), knows its partition's leader, and, where it leads, is ready (has applied the first entry of its
 * term, so its high watermark is current). Whether a follower's log has caught up with its leader needs the
 * leader's high watermark, which this node learns over the network: the integrator adds that check with
 * {@link HealthCheck#allOf}. Reads in-memory state only; thread-safe.
 */
public final class ReplicaHealthCheck implements HealthCheck {
    /** At most this many reasons are listed, so that a node with thousands of replicas answers a short body. */
    private static final int MAX_REASONS = 20;

    private final RaftServerHost host;

    /** @param host the Raft server host whose replicas must be in service */
    public ReplicaHealthCheck(final RaftServerHost host) {
        this.host = host;
    }

    @Override
    public Status check() {
        final List<String> reasons = new ArrayList<>();
        int more = 0;
        // Sorted, so that the listed reasons are stable from one probe to the next.
        final List<PartitionId> partitions = host.partitions().stream()
            .sorted(Comparator.comparing(PartitionId::name)).toList();
        for (final PartitionId p : partitions) {
            final String reason = reason(p);
            if (reason == null) {
                continue;
            }
            if (reasons.size() < MAX_REASONS) {
                reasons.add(reason);
            } else {
                more++;
            }
        }
        if (more > 0) {
            reasons.add("and " + more + " more replicas not ready");
        }
        return reasons.isEmpty() ? Status.ok() : Status.notReady(reasons);
    }

    private String reason(final PartitionId p) {
        final PartitionStateMachine sm = host.stateMachine(p);
        if (sm == null) {
            return null;
        }
        final String where = "partition=" + p + " node=" + host.nodeId();
        if (!sm.isHealthy()) {
            return where + " replica out of service after a storage failure";
        }
        final ReplicaStatus status;
        try {
            status = host.status(p);
        } catch (final IOException | RuntimeException e) {
            return null;
        }
        if (status.leaderId() == null) {
            return where + " has no leader (term " + status.term() + ")";
        }
        if (status.leader() && !sm.isLeaderReady()) {
            return where + " leads but has not applied its term's first entry yet";
        }
        return null;
    }
}
