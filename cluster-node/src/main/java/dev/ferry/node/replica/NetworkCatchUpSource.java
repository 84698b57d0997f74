package dev.ferry.node.replica;

import dev.ferry.client.network.ClientNetwork;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.ReplicaStateRequest;
import dev.ferry.client.protocol.proto.ReplicaStateResponse;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.replication.CatchUpSource;
import dev.ferry.replication.PartitionId;
import io.netty.buffer.ByteBuf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A lagging replica's way to its leader's segments: REPLICA_STATE for what is committed, then FETCH bounded by
 * {@code max_offset} for the batches, over the same client protocol consumers use, so the leader serves them
 * with sendfile. Only replicas behind the leader's Raft log start use it (after a long absence or a
 * reassignment), so one connection per leader node, made on first use, is enough.
 *
 * <p>Thread-safe.
 */
public final class NetworkCatchUpSource implements CatchUpSource, Closeable {
    private static final long TIMEOUT_MS = 30_000;

    private final ClientNetwork network;
    private final String clientId;
    private final int maxFrameBytes;
    private final Map<Integer, FerryConnection> connections = new ConcurrentHashMap<>();
    private volatile ClusterView view;

    /**
     * @param nodeId this node, for the client id the leader logs
     * @param maxFrameBytes the largest response accepted
     */
    public NetworkCatchUpSource(final int nodeId, final int maxFrameBytes) {
        this.clientId = "ferry-node-" + nodeId + "-catch-up";
        this.maxFrameBytes = maxFrameBytes;
        this.network = new ClientNetwork(1, clientId);
    }

    /** @param clusterView where leaders' addresses come from; set once the node knows the cluster */
    public void setClusterView(final ClusterView clusterView) {
        this.view = clusterView;
    }

    @Override
    public LeaderState leaderState(final String leaderNodeId, final PartitionId partition) throws IOException {
        final ReplicaStateRequest request = ReplicaStateRequest.newBuilder().setTopic(partition.topic())
            .setPartition(partition.partition()).build();
        try (ClientResponse response = call(leaderNodeId, ApiKey.REPLICA_STATE, request)) {
            final ReplicaStateResponse body = response.body(ReplicaStateResponse.parser());
            if (body.getError() != ErrorCode.NONE) {
                throw new IOException("node=" + leaderNodeId + " refused REPLICA_STATE of partition=" + partition
                    + ": " + body.getError() + " " + body.getErrorMessage());
            }
            return new LeaderState(body.getLogStartOffset(), body.getHighWatermark(), body.getAppliedTerm(),
                body.getAppliedIndex());
        }
    }

    /**
     * Asks a node whether it hosts a started replica of a partition: a leader adds a node to a partition's Raft
     * group only then, since a replica contacted by its leader while it starts can fail to start.
     *
     * @param nodeId the node
     * @param partition the partition
     * @return true when the node hosts a started replica (leader or follower)
     */
    public boolean hostsReplica(final int nodeId, final PartitionId partition) {
        final ReplicaStateRequest request = ReplicaStateRequest.newBuilder().setTopic(partition.topic())
            .setPartition(partition.partition()).build();
        try (ClientResponse response = call(Integer.toString(nodeId), ApiKey.REPLICA_STATE, request)) {
            return response.body(ReplicaStateResponse.parser()).getError() != ErrorCode.UNKNOWN_PARTITION;
        } catch (final IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public ByteBuffer fetch(final String leaderNodeId, final PartitionId partition, final long fromOffset,
                            final long upToOffset, final int maxBytes) throws IOException {
        final FetchRequest request = FetchRequest.newBuilder().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(maxBytes)
            .addPartitions(FetchPartition.newBuilder().setTopic(partition.topic()).setPartition(partition.partition())
                .setFetchOffset(fromOffset).setPartitionMaxBytes(maxBytes).setMaxOffset(upToOffset))
            .build();
        try (ClientResponse response = call(leaderNodeId, ApiKey.FETCH, request)) {
            final FetchResponse body = response.body(FetchResponse.parser());
            if (body.getResultsCount() != 1) {
                throw new IOException("node=" + leaderNodeId + " answered FETCH of partition=" + partition
                    + " with " + body.getResultsCount() + " results");
            }
            final FetchPartitionResult result = body.getResults(0);
            if (result.getError() != ErrorCode.NONE) {
                throw new IOException("node=" + leaderNodeId + " refused FETCH of partition=" + partition
                    + " offset=" + fromOffset + ": " + result.getError() + " " + result.getErrorMessage());
            }
            final ByteBuf records = response.records();
            if (result.getRecordsBytes() != records.readableBytes()) {
                throw new IOException("node=" + leaderNodeId + " FETCH of partition=" + partition + " announced "
                    + result.getRecordsBytes() + " record bytes and sent " + records.readableBytes());
            }
            // Catch-up copies into the heap once: the bytes go to the local log through the state machine.
            final ByteBuffer copy = ByteBuffer.allocate(records.readableBytes());
            records.getBytes(records.readerIndex(), copy);
            return copy.flip();
        }
    }

    private ClientResponse call(final String leaderNodeId, final ApiKey key,
                                final com.google.protobuf.MessageLite body) throws IOException {
        final int nodeId;
        try {
            nodeId = Integer.parseInt(leaderNodeId);
        } catch (final NumberFormatException e) {
            throw new IOException("not a node id: " + leaderNodeId, e);
        }
        final FerryConnection connection = connection(nodeId);
        try {
            final ClientResponse response = connection.send(key, body, null, TIMEOUT_MS)
                .get(TIMEOUT_MS + 1000, TimeUnit.MILLISECONDS);
            if (response.error() != ErrorCode.NONE) {
                response.close();
                throw new IOException("node=" + nodeId + " refused " + key + ": " + response.error() + " "
                    + response.header().getErrorMessage());
            }
            return response;
        } catch (final ExecutionException | TimeoutException e) {
            connections.remove(nodeId, connection);
            connection.close();
            throw new IOException(key + " to node=" + nodeId + " failed: " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(key + " to node=" + nodeId + " interrupted", e);
        }
    }

    private FerryConnection connection(final int nodeId) throws IOException {
        final FerryConnection existing = connections.get(nodeId);
        if (existing != null && existing.isOpen()) {
            return existing;
        }
        final ClusterView v = view;
        final NodeEndpoint endpoint = v == null ? null : v.endpoint(nodeId);
        if (endpoint == null) {
            throw new IOException("no address known for node=" + nodeId);
        }
        try {
            final FerryConnection c = network.connect(endpoint.getHost(), endpoint.getPort(),
                new ConnectionConfig(clientId, ConnectionConfig.DEFAULT_CONNECT_TIMEOUT_MS, maxFrameBytes))
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            connections.put(nodeId, c);
            return c;
        } catch (final ExecutionException | TimeoutException e) {
            throw new IOException("cannot connect to node=" + nodeId + " at " + endpoint.getHost() + ":"
                + endpoint.getPort() + ": " + e, e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted connecting to node=" + nodeId, e);
        }
    }

    @Override
    public void close() {
        connections.values().forEach(FerryConnection::close);
        connections.clear();
        network.close();
    }
}
