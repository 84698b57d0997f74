package dev.ferry.node.handler;

import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.FrameEncoder;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.node.cluster.ClusterView;
import dev.ferry.node.cluster.InternalTopics;
import dev.ferry.node.network.Request;
import dev.ferry.node.network.Response;
import dev.ferry.replication.PartitionId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class FindCoordinatorHandlerTest {
    private final Map<String, Integer> topics = new ConcurrentHashMap<>();
    private final Map<PartitionId, Integer> leaders = new ConcurrentHashMap<>();
    private final AtomicInteger creations = new AtomicInteger();
    private final CompletableFuture<Void> creation = new CompletableFuture<>();

    private final ClusterView view = new ClusterView() {
        @Override
        public NodeEndpoint endpoint(final int nodeId) {
            return NodeEndpoint.newBuilder().setNodeId(nodeId).setHost("10.0.0." + nodeId).setPort(9092).build();
        }

        @Override
        public int partitionCount(final String topic) {
            return topics.getOrDefault(topic, -1);
        }

        @Override
        public List<Integer> replicas(final PartitionId partition) {
            return List.of();
        }

        @Override
        public int leader(final PartitionId partition) {
            return leaders.getOrDefault(partition, -1);
        }
    };

    private final FindCoordinatorHandler handler = new FindCoordinatorHandler(view, 3, () -> {
        creations.incrementAndGet();
        return creation;
    });

    private FindCoordinatorResponse find(final String group) throws Exception {
        final RequestHeader header = RequestHeader.newBuilder().setApiKey(ApiKey.FIND_COORDINATOR)
            .setCorrelationId(1).build();
        final ByteBuf buf = FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, header,
            FindCoordinatorRequest.newBuilder().setGroupId(group).build(), 0);
        buf.skipBytes(4);
        final Frame frame = Frame.parse(buf);
        try {
            final Response r = handler.handle(new Request(header, frame, new InetSocketAddress("127.0.0.1", 1)))
                .get(5, TimeUnit.SECONDS);
            assertThat(r.error()).isEqualTo(ErrorCode.NONE);
            return (FindCoordinatorResponse) r.body();
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldCreateTheOffsetsTopicOnceAndAskTheClientToRetry() throws Exception {
        assertThat(find("g").getError()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        assertThat(find("g").getError()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        assertThat(creations.get()).isEqualTo(1);
        creation.complete(null);
        find("g");
        assertThat(creations.get()).isEqualTo(2);
    }

    @Test
    void shouldAnswerWithTheLeaderOfTheGroupsOffsetsPartition() throws Exception {
        topics.put(InternalTopics.CONSUMER_OFFSETS, 3);
        assertThat(find("g").getError()).isEqualTo(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        leaders.put(new PartitionId(InternalTopics.CONSUMER_OFFSETS, InternalTopics.offsetsPartitionFor("g", 3)), 2);
        final FindCoordinatorResponse r = find("g");
        assertThat(r.getError()).isEqualTo(ErrorCode.NONE);
        assertThat(r.getCoordinator().getNodeId()).isEqualTo(2);
        assertThat(r.getCoordinator().getHost()).isEqualTo("10.0.0.2");
        assertThat(find("").getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(creations.get()).isZero();
    }
}
