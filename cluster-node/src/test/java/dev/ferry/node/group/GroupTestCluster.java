package dev.ferry.node.group;

import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.log.LogConfig;
import dev.ferry.log.Time;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.replication.Durability;
import dev.ferry.replication.FreePorts;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.PartitionStateMachine;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.RaftTuning;
import org.apache.ratis.protocol.RaftPeer;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Three real Ratis servers on 127.0.0.1 (node ids 1, 2, 3) hosting {@code __consumer_offsets-0..N-1}, each with a
 * real {@link GroupCoordinator} registered as its replica listener, and a tiny {@link ClusterView} over them.
 * Not thread-safe.
 */
final class GroupTestCluster implements Closeable {
    /** Elections of 1-2 s: failover fits a test, and a loaded machine does not trigger spurious ones. */
    static final RaftTuning FAST = new RaftTuning(1000, 2000, 4 << 20, 1_000_000, 1 << 20);
    static final int NODES = 3;

    final GroupConfig config;
    final View view = new View();
    private final Path dir;
    private final int[] ports;
    private final RaftServerHost[] hosts = new RaftServerHost[NODES];
    private final GroupCoordinator[] coordinators = new GroupCoordinator[NODES];

    GroupTestCluster(final Path dir, final GroupConfig config) throws IOException {
        this.dir = dir;
        this.config = config;
        this.ports = FreePorts.pick(NODES);
        final List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            peers.add(RaftServerHost.peer(Integer.toString(nodeId(i)), "127.0.0.1:" + ports[i]));
        }
        for (int i = 0; i < NODES; i++) {
            hosts[i] = new RaftServerHost(Integer.toString(nodeId(i)), "127.0.0.1", ports[i],
                dir.resolve("node" + nodeId(i)), Durability.REPLICATED, LogConfig.DEFAULTS, FAST, null);
            coordinators[i] = new GroupCoordinator(nodeId(i), hosts[i], view, config, Time.SYSTEM);
            hosts[i].addListener(coordinators[i]);
        }
        for (int p = 0; p < config.offsetsPartitions(); p++) {
            for (final RaftServerHost h : hosts) {
                h.addReplica(offsets(p), peers);
            }
        }
        view.partitionCounts.put(InternalTopics.CONSUMER_OFFSETS, config.offsetsPartitions());
    }

    static int nodeId(final int index) {
        return index + 1;
    }

    static PartitionId offsets(final int p) {
        return new PartitionId(InternalTopics.CONSUMER_OFFSETS, p);
    }

    RaftServerHost host(final int index) {
        return hosts[index];
    }

    GroupCoordinator coordinator(final int index) {
        return coordinators[index];
    }

    /** @return the index of the node leading the group's offsets partition (ready), waiting up to 30 s */
    int awaitCoordinatorIndex(final String groupId) {
        final PartitionId p = coordinators[firstRunning()].offsetsPartition(groupId);
        final int[] found = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < NODES; i++) {
                final PartitionStateMachine sm = hosts[i] == null ? null : hosts[i].stateMachine(p);
                if (sm != null && sm.isLeader() && sm.isLeaderReady()) {
                    found[0] = i;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private int firstRunning() {
        for (int i = 0; i < NODES; i++) {
            if (hosts[i] != null) {
                return i;
            }
        }
        throw new IllegalStateException("no node running");
    }

    /** Stops a node abruptly: its coordinator and Raft server go away. */
    void stop(final int index) throws IOException {
        coordinators[index].close();
        coordinators[index] = null;
        final RaftServerHost h = hosts[index];
        hosts[index] = null;
        h.close();
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < NODES; i++) {
            if (hosts[i] != null) {
                stop(i);
            }
        }
    }

    /** The cluster as the coordinators see it: fixed topics, leaders from the Raft servers themselves. */
    final class View implements ClusterView {
        final Map<String, Integer> partitionCounts = new ConcurrentHashMap<>();

        @Override
        public NodeEndpoint endpoint(final int nodeId) {
            return nodeId < 1 || nodeId > NODES ? null
                : NodeEndpoint.newBuilder().setNodeId(nodeId).setHost("127.0.0.1").setPort(9000 + nodeId).build();
        }

        @Override
        public int partitionCount(final String topic) {
            return partitionCounts.getOrDefault(topic, -1);
        }

        @Override
        public List<Integer> replicas(final PartitionId partition) {
            return List.of(1, 2, 3);
        }

        @Override
        public int leader(final PartitionId partition) {
            for (int i = 0; i < NODES; i++) {
                final PartitionStateMachine sm = hosts[i] == null ? null : hosts[i].stateMachine(partition);
                if (sm != null && sm.isLeader()) {
                    return nodeId(i);
                }
            }
            return -1;
        }
    }

    /** A consumer as the protocol expects it to behave: it owns exactly what its last response assigned. */
    static final class Member {
        final String groupId;
        final List<String> topics;
        String memberId = "";
        int epoch;
        Set<TopicPartition> owned = new TreeSet<>();
        ErrorCode lastError = ErrorCode.NONE;
        /** A misbehaving consumer: it takes what it is given but never revokes anything. */
        boolean neverRevokes;

        Member(final String groupId, final List<String> topics) {
            this.groupId = groupId;
            this.topics = topics;
        }

        /** Sends one heartbeat; on success revokes and takes partitions as told. */
        ConsumerGroupHeartbeatResponse heartbeat(final GroupCoordinator coordinator) throws Exception {
            final ConsumerGroupHeartbeatRequest.Builder req = ConsumerGroupHeartbeatRequest.newBuilder()
                .setGroupId(groupId).setMemberId(memberId).setMemberEpoch(epoch)
                .addAllOwnedPartitions(ConsumerGroup.toWire(owned));
            if (epoch == 0) {
                req.addAllSubscribedTopicNames(topics);
            } else {
                req.setSubscriptionUnchanged(true);
            }
            final ConsumerGroupHeartbeatResponse resp = coordinator.heartbeat(req.build(), "test-client", "127.0.0.1")
                .get(10, TimeUnit.SECONDS);
            lastError = resp.getError();
            if (resp.getError() == ErrorCode.NONE) {
                memberId = resp.getMemberId();
                epoch = resp.getMemberEpoch();
                if (resp.getHasAssignment() && neverRevokes) {
                    owned.addAll(ConsumerGroup.fromWire(resp.getAssignmentList()));
                } else if (resp.getHasAssignment()) {
                    owned = ConsumerGroup.fromWire(resp.getAssignmentList());
                }
            }
            return resp;
        }

        /** Leaves the group (member epoch -1). */
        ConsumerGroupHeartbeatResponse leave(final GroupCoordinator coordinator) throws Exception {
            final ConsumerGroupHeartbeatResponse resp = coordinator.heartbeat(ConsumerGroupHeartbeatRequest
                .newBuilder().setGroupId(groupId).setMemberId(memberId).setMemberEpoch(-1).build(), "test-client",
                "127.0.0.1").get(10, TimeUnit.SECONDS);
            owned = new TreeSet<>();
            return resp;
        }
    }
}
