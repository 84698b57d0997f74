package dev.ferry.node.controller;

import com.google.protobuf.MessageLite;
import dev.ferry.client.protocol.Frame;
import dev.ferry.client.protocol.FrameEncoder;
import dev.ferry.client.protocol.proto.AlterConfigsRequest;
import dev.ferry.client.protocol.proto.AlterConfigsResource;
import dev.ferry.client.protocol.proto.AlterConfigsResponse;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsRequest;
import dev.ferry.client.protocol.proto.AlterPartitionReassignmentsResponse;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ConfigEntry;
import dev.ferry.client.protocol.proto.ConfigOp;
import dev.ferry.client.protocol.proto.ConfigResource;
import dev.ferry.client.protocol.proto.ConfigResourceType;
import dev.ferry.client.protocol.proto.CreatePartitionsRequest;
import dev.ferry.client.protocol.proto.CreatePartitionsResponse;
import dev.ferry.client.protocol.proto.CreatePartitionsTopic;
import dev.ferry.client.protocol.proto.CreateTopicsRequest;
import dev.ferry.client.protocol.proto.CreateTopicsResponse;
import dev.ferry.client.protocol.proto.DecommissionNodeRequest;
import dev.ferry.client.protocol.proto.DecommissionNodeResponse;
import dev.ferry.client.protocol.proto.DeleteTopicsRequest;
import dev.ferry.client.protocol.proto.DeleteTopicsResponse;
import dev.ferry.client.protocol.proto.DescribeClusterRequest;
import dev.ferry.client.protocol.proto.DescribeClusterResponse;
import dev.ferry.client.protocol.proto.DescribeConfigsRequest;
import dev.ferry.client.protocol.proto.DescribeConfigsResponse;
import dev.ferry.client.protocol.proto.DescribeConfigsResult;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.InitProducerIdRequest;
import dev.ferry.client.protocol.proto.InitProducerIdResponse;
import dev.ferry.client.protocol.proto.MetadataRequest;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.PartitionReassignment;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.TopicMetadata;
import dev.ferry.client.protocol.proto.TopicSpec;
import dev.ferry.node.handler.AlterConfigsHandler;
import dev.ferry.node.handler.AlterPartitionReassignmentsHandler;
import dev.ferry.node.handler.CreatePartitionsHandler;
import dev.ferry.node.handler.CreateTopicsHandler;
import dev.ferry.node.handler.DecommissionNodeHandler;
import dev.ferry.node.handler.DeleteTopicsHandler;
import dev.ferry.node.handler.DescribeClusterHandler;
import dev.ferry.node.handler.DescribeConfigsHandler;
import dev.ferry.node.handler.InitProducerIdHandler;
import dev.ferry.node.handler.MetadataHandler;
import dev.ferry.node.network.ApiHandler;
import dev.ferry.node.network.Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin handlers against a real single-voter controller and a real heartbeating node. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminHandlersTest {
    @TempDir
    Path tmp;

    private ControllerTestCluster cluster;
    private ControllerClient client;
    private NodeLifecycle lifecycle;

    @AfterEach
    void tearDown() throws Exception {
        if (lifecycle != null) {
            lifecycle.close();
        }
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static <T extends MessageLite> T call(final ApiHandler handler, final ApiKey key, final MessageLite body,
                                          final com.google.protobuf.Parser<T> parser) throws Exception {
        final RequestHeader header = RequestHeader.newBuilder().setApiKey(key).setCorrelationId(1).build();
        final ByteBuf buf = FrameEncoder.encode(UnpooledByteBufAllocator.DEFAULT, header, body, 0);
        buf.skipBytes(Integer.BYTES);
        final Frame frame = Frame.parse(buf);
        try {
            final Response response = handler.handle(new dev.ferry.node.network.Request(header, frame,
                new InetSocketAddress("127.0.0.1", 1))).get(30, TimeUnit.SECONDS);
            assertThat(response.error()).isEqualTo(ErrorCode.NONE);
            return parser.parseFrom(response.body().toByteString());
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldServeAdminApisThroughTheController() throws Exception {
        cluster = new ControllerTestCluster(tmp, 1);
        client = cluster.newClient();
        final MetadataView view = new MetadataView();
        final Map<String, Long> led = new ConcurrentHashMap<>();
        lifecycle = new NodeLifecycle(new NodeRegistration(1, "127.0.0.1", 9092, "r1", "127.0.0.1:9093", "i1"),
            client, view, () -> Map.copyOf(led), 100);
        lifecycle.start().get(30, TimeUnit.SECONDS);

        final CreateTopicsResponse created = call(new CreateTopicsHandler(client, view), ApiKey.CREATE_TOPICS,
            CreateTopicsRequest.newBuilder().setTimeoutMs(10_000).addTopics(TopicSpec.newBuilder().setName("h")
                .setPartitions(2).setReplicationFactor(1)).addTopics(TopicSpec.newBuilder().setName("bad name"))
                .build(), CreateTopicsResponse.parser());
        assertThat(created.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(created.getResults(1).getError()).isEqualTo(ErrorCode.INVALID_TOPIC);
        // Visible on this node as soon as CreateTopics answers.
        assertThat(view.image().topic("h").partitions()).hasSize(2);

        final MetadataHandler metadata = new MetadataHandler(view);
        TopicMetadata h = call(metadata, ApiKey.METADATA, MetadataRequest.newBuilder().setAllTopics(true).build(),
            MetadataResponse.parser()).getTopics(0);
        assertThat(h.getPartitions(0).getLeaderId()).isEqualTo(-1);
        assertThat(h.getPartitions(0).getError()).isEqualTo(ErrorCode.LEADER_NOT_AVAILABLE);
        led.put("h-0", 3L);
        await().atMost(Duration.ofSeconds(10)).until(() -> view.leaders().leader("h-0") != null);
        final MetadataResponse md = call(metadata, ApiKey.METADATA, MetadataRequest.newBuilder().addTopics("h")
            .addTopics("nope").build(), MetadataResponse.parser());
        h = md.getTopics(0);
        assertThat(h.getPartitions(0).getLeaderId()).isEqualTo(1);
        assertThat(h.getPartitions(0).getLeaderTerm()).isEqualTo(3L);
        assertThat(h.getPartitions(0).getReplicasList()).containsExactly(1);
        assertThat(md.getTopics(1).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
        assertThat(md.getNodesList()).extracting(n -> n.getPort()).containsExactly(9092);
        assertThat(md.getClusterId()).isNotEmpty();
        assertThat(md.getControllerId()).isEqualTo(1);

        alterAndDescribeConfigs(view);

        final DescribeClusterResponse clusterInfo = call(new DescribeClusterHandler(view, Set.of(1)),
            ApiKey.DESCRIBE_CLUSTER, DescribeClusterRequest.getDefaultInstance(), DescribeClusterResponse.parser());
        assertThat(clusterInfo.getNodesList()).hasSize(1);
        assertThat(clusterInfo.getNodes(0).getState()).isEqualTo(dev.ferry.client.protocol.proto.NodeState.ALIVE);
        assertThat(clusterInfo.getNodes(0).getControllerVoter()).isTrue();
        assertThat(clusterInfo.getNodes(0).getReplicas()).isEqualTo(2);
        assertThat(clusterInfo.getNodes(0).getLeaders()).isEqualTo(1);

        final InitProducerIdHandler init = new InitProducerIdHandler(new ProducerIdAllocator(1, client));
        final long first = call(init, ApiKey.INIT_PRODUCER_ID, InitProducerIdRequest.getDefaultInstance(),
            InitProducerIdResponse.parser()).getProducerId();
        final long second = call(init, ApiKey.INIT_PRODUCER_ID, InitProducerIdRequest.getDefaultInstance(),
            InitProducerIdResponse.parser()).getProducerId();
        assertThat(second).isEqualTo(first + 1);

        final CreatePartitionsResponse grown = call(new CreatePartitionsHandler(client, view),
            ApiKey.CREATE_PARTITIONS, CreatePartitionsRequest.newBuilder().setTimeoutMs(10_000)
                .addTopics(CreatePartitionsTopic.newBuilder().setName("h").setTotalCount(3)).build(),
            CreatePartitionsResponse.parser());
        assertThat(grown.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(view.image().topic("h").partitions()).hasSize(3);

        final AlterPartitionReassignmentsResponse reassigned = call(new AlterPartitionReassignmentsHandler(client),
            ApiKey.ALTER_PARTITION_REASSIGNMENTS, AlterPartitionReassignmentsRequest.newBuilder()
                .addReassignments(PartitionReassignment.newBuilder().setTopic("h").setPartition(0).addReplicas(1))
                .addReassignments(PartitionReassignment.newBuilder().setTopic("h").setPartition(1).addReplicas(7))
                .build(), AlterPartitionReassignmentsResponse.parser());
        assertThat(reassigned.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(reassigned.getResults(1).getError()).isEqualTo(ErrorCode.UNKNOWN_NODE);
        assertThat(reassigned.getResults(1).getName()).isEqualTo("h-1");

        final DecommissionNodeResponse decommission = call(new DecommissionNodeHandler(client),
            ApiKey.DECOMMISSION_NODE, DecommissionNodeRequest.newBuilder().setNodeId(9).build(),
            DecommissionNodeResponse.parser());
        assertThat(decommission.getError()).isEqualTo(ErrorCode.UNKNOWN_NODE);

        final DeleteTopicsResponse deleted = call(new DeleteTopicsHandler(client, view), ApiKey.DELETE_TOPICS,
            DeleteTopicsRequest.newBuilder().setTimeoutMs(10_000).addTopics("h").build(),
            DeleteTopicsResponse.parser());
        assertThat(deleted.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(view.image().topic("h")).isNull();
    }

    private void alterAndDescribeConfigs(final MetadataView view) throws Exception {
        final ConfigResource topicH = ConfigResource.newBuilder().setType(ConfigResourceType.TOPIC).setName("h")
            .build();
        final AlterConfigsResponse altered = call(new AlterConfigsHandler(client), ApiKey.ALTER_CONFIGS,
            AlterConfigsRequest.newBuilder().addResources(AlterConfigsResource.newBuilder().setResource(topicH)
                .addOps(ConfigOp.newBuilder().setName("retention.ms").setValue("60000")))
                .addResources(AlterConfigsResource.newBuilder().setResource(topicH)
                    .addOps(ConfigOp.newBuilder().setName("segment.bytes").setValue("-5")))
                .addResources(AlterConfigsResource.newBuilder().setResource(ConfigResource.newBuilder()
                    .setType(ConfigResourceType.NODE).setName("1"))).build(), AlterConfigsResponse.parser());
        assertThat(altered.getResults(0).getError()).isEqualTo(ErrorCode.NONE);
        assertThat(altered.getResults(1).getError()).isEqualTo(ErrorCode.INVALID_CONFIG);
        assertThat(altered.getResults(1).getErrorMessage()).contains("segment.bytes");
        assertThat(altered.getResults(2).getError()).isEqualTo(ErrorCode.INVALID_REQUEST);
        await().atMost(Duration.ofSeconds(10)).until(() -> view.image().topic("h").configs().size() == 1);
        final DescribeConfigsResponse described = call(new DescribeConfigsHandler(view), ApiKey.DESCRIBE_CONFIGS,
            DescribeConfigsRequest.newBuilder().addResources(topicH).addResources(ConfigResource.newBuilder()
                .setType(ConfigResourceType.TOPIC).setName("nope")).build(), DescribeConfigsResponse.parser());
        final DescribeConfigsResult hConfigs = described.getResults(0);
        assertThat(hConfigs.getEntriesList()).filteredOn(e -> e.getName().equals("retention.ms"))
            .extracting(ConfigEntry::getValue, ConfigEntry::getIsDefault).containsExactly(
                org.assertj.core.groups.Tuple.tuple("60000", false));
        assertThat(hConfigs.getEntriesList()).filteredOn(e -> e.getName().equals("segment.bytes"))
            .extracting(ConfigEntry::getValue, ConfigEntry::getIsDefault).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Long.toString(1L << 30), true));
        assertThat(described.getResults(1).getError()).isEqualTo(ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void shouldAnswerWithAnErrorCodeWhenNoControllerIsReachable() throws Exception {
        final int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        client = new ControllerClient(Map.of(1, "127.0.0.1:" + deadPort), 1000);
        final CreateTopicsResponse r = call(new CreateTopicsHandler(client, new MetadataView()), ApiKey.CREATE_TOPICS,
            CreateTopicsRequest.newBuilder().addTopics(TopicSpec.newBuilder().setName("t")).build(),
            CreateTopicsResponse.parser());
        assertThat(r.getResults(0).getError()).isIn(ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.REQUEST_TIMED_OUT);
        assertThat(r.getResults(0).getErrorMessage()).isNotEmpty();
    }
}
