package dev.ferry.node.handler;

import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.FrameEncoder;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogReadSlice;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.Durability;
import dev.ferry.replication.FreePorts;
import dev.ferry.replication.PartitionId;
import dev.ferry.replication.RaftServerHost;
import dev.ferry.replication.RaftTuning;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.apache.ratis.protocol.RaftPeer;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;

/**
 * Three real Ratis servers in this JVM with the broker's node ids (1, 2, 3; Ratis peer id = the number), and a
 * tiny {@link ClusterView} over them. raft-replication's MiniFerryRaftCluster is package-private there and names
 * its nodes "n0".., which are not the broker's int ids, hence this fixture. Not thread-safe.
 */
final class HandlerCluster implements Closeable {
    /** Short election timeouts; no automatic snapshots. */
    static final RaftTuning FAST = new RaftTuning(300, 600, 4 << 20, 1_000_000, 1 << 20);

    private final int[] ports;
    private final RaftServerHost[] hosts;
    private final View view = new View();

    HandlerCluster(final Path dir, final int nodes, final LogConfig logConfig) throws IOException {
        this(dir, nodes, logConfig, FAST);
    }

    HandlerCluster(final Path dir, final int nodes, final LogConfig logConfig, final RaftTuning tuning)
        throws IOException {
        hosts = new RaftServerHost[nodes];
        ports = FreePorts.pick(nodes);
        for (int i = 0; i < nodes; i++) {
            hosts[i] = new RaftServerHost(Integer.toString(i + 1), "127.0.0.1", ports[i],
                dir.resolve("node-" + (i + 1)), Durability.REPLICATED, logConfig, tuning, null);
        }
    }

    /** @return node ids 1..n */
    List<Integer> nodeIds() {
        final List<Integer> ids = new ArrayList<>();
        for (int i = 1; i <= hosts.length; i++) {
            ids.add(i);
        }
        return ids;
    }

    RaftServerHost host(final int nodeId) {
        return hosts[nodeId - 1];
    }

    ClusterView view() {
        return view;
    }

    void createTopic(final String topic, final int partitions) throws IOException {
        view.topics.put(topic, partitions);
        final List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < hosts.length; i++) {
            peers.add(RaftServerHost.peer(Integer.toString(i + 1), "127.0.0.1:" + ports[i]));
        }
        for (int p = 0; p < partitions; p++) {
            for (final RaftServerHost h : hosts) {
                h.addReplica(new PartitionId(topic, p), peers);
            }
        }
    }

    /** Makes a topic known to the view without creating any replica: as metadata that no node has acted on. */
    void declareTopic(final String topic, final int partitions) {
        view.topics.put(topic, partitions);
    }

    /** Stops a node as a crash looks to its peers. */
    void stop(final int nodeId) throws IOException {
        final RaftServerHost h = hosts[nodeId - 1];
        hosts[nodeId - 1] = null;
        h.close();
    }

    /** @return the node id of the ready leader of {@code p}, waiting up to 30 s */
    int awaitLeader(final PartitionId p) {
        final int[] leader = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            leader[0] = readyLeader(p);
            return leader[0] > 0;
        });
        return leader[0];
    }

    private int readyLeader(final PartitionId p) {
        for (int i = 0; i < hosts.length; i++) {
            final var sm = hosts[i] == null ? null : hosts[i].stateMachine(p);
            if (sm != null && sm.isLeader() && sm.isLeaderReady()) {
                return i + 1;
            }
        }
        return -1;
    }

    /** @return a node id other than the leader's */
    int follower(final PartitionId p) {
        final int leader = awaitLeader(p);
        return leader % hosts.length + 1;
    }

    void awaitHighWatermark(final PartitionId p, final long offset) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (final RaftServerHost h : hosts) {
                if (h != null && h.stateMachine(p).highWatermark().offset() < offset) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * A request as the network layer hands it over: header and body encoded with the client's FrameEncoder,
     * the records after them, parsed with Frame.parse from one contiguous buffer.
     */
    static Request request(final ApiKey api, final MessageLite body, final ByteBuffer records) {
        final RequestHeader header = RequestHeader.newBuilder().setApiKey(api).setCorrelationId(7)
            .setClientId("handler-test").build();
        final ByteBuf head = FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, header, body, records.remaining());
        final ByteBuf frame = Unpooled.buffer(head.readableBytes() + records.remaining());
        frame.writeBytes(head);
        head.release();
        frame.writeBytes(records.duplicate());
        frame.skipBytes(Integer.BYTES);
        return new Request(header, Frame.parse(frame), new InetSocketAddress("127.0.0.1", 1));
    }

    static Request request(final ApiKey api, final MessageLite body) {
        return request(api, body, ByteBuffer.allocate(0));
    }

    /** @return the bytes of a response's slices (test only: the broker never reads them) */
    static byte[] recordBytes(final Response response) {
        final ByteBuffer out = ByteBuffer.allocate((int) response.recordsBytes());
        try {
            for (final LogReadSlice s : response.slices()) {
                s.readInto(out);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.array();
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (final RaftServerHost h : hosts) {
            try {
                if (h != null) {
                    h.close();
                }
            } catch (final IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** Every node on 127.0.0.1 with a made-up client port; leaders as the Raft hosts know them. */
    private final class View implements ClusterView {
        private final Map<String, Integer> topics = new ConcurrentHashMap<>();

        @Override
        public NodeEndpoint endpoint(final int nodeId) {
            return nodeId < 1 || nodeId > hosts.length ? null : NodeEndpoint.newBuilder().setNodeId(nodeId)
                .setHost("127.0.0.1").setPort(19_000 + nodeId).build();
        }

        @Override
        public int partitionCount(final String topic) {
            return topics.getOrDefault(topic, -1);
        }

        @Override
        public List<Integer> replicas(final PartitionId partition) {
            return topics.containsKey(partition.topic()) ? nodeIds() : List.of();
        }

        @Override
        public int leader(final PartitionId partition) {
            return readyLeader(partition);
        }
    }
}
