package dev.ferry.testing.admin;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.ConnectionConfig;
import dev.ferry.client.network.NetworkClient;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatRequest;
import dev.ferry.client.protocol.proto.ConsumerGroupHeartbeatResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.ProducePartition;
import dev.ferry.client.protocol.proto.ProduceRequest;
import dev.ferry.client.protocol.proto.ProduceResponse;
import dev.ferry.client.protocol.proto.TopicPartitions;
import dev.ferry.log.record.RecordBatchBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The wire requests the admin tests need from a producer and a group member, sent by hand (the producer and
 * consumer are other work): produce a batch with acks=all, join a group, heartbeat, commit as a member, leave.
 */
final class RawClient implements AutoCloseable {
    private static final long TIMEOUT_MS = 10_000;

    private final NetworkClient network;
    private String memberId = "";
    private int memberEpoch;
    private List<TopicPartitions> owned = List.of();

    RawClient(final List<String> bootstrap) {
        this.network = new NetworkClient(bootstrap, ConnectionConfig.defaults("admin-test-raw"), 1);
    }

    /** Produces {@code count} records to one partition through its leader; throws on any error. */
    void produce(final String topic, final int partition, final int count) throws Exception {
        final int leader = await().atMost(Duration.ofMillis(TIMEOUT_MS)).until(() -> {
            network.refreshMetadata(List.of(topic), TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return network.metadata().leader(topic, partition);
        }, l -> l >= 0);
        final RecordBatchBuilder b = new RecordBatchBuilder(ByteBuffer.allocate(64 * 1024));
        for (int i = 0; i < count; i++) {
            b.append(System.currentTimeMillis(), null, ("v" + i).getBytes(StandardCharsets.UTF_8));
        }
        final ByteBuffer batch = b.build();
        final ByteBuf records = Unpooled.wrappedBuffer(batch);
        final ProduceRequest req = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs((int) TIMEOUT_MS)
            .addPartitions(ProducePartition.newBuilder().setTopic(topic).setPartition(partition)
                .setRecordsBytes(batch.remaining())).build();
        try (ClientResponse r = network.send(leader, ApiKey.PRODUCE, req, records, TIMEOUT_MS)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            final ProduceResponse res = r.body(ProduceResponse.parser());
            if (res.getResults(0).getError() != ErrorCode.NONE) {
                throw new IllegalStateException("produce failed: " + res);
            }
        }
    }

    /** One heartbeat (epoch 0 joins); returns the error code. */
    ErrorCode heartbeat(final String group, final String topic) throws Exception {
        final ConsumerGroupHeartbeatRequest req = ConsumerGroupHeartbeatRequest.newBuilder().setGroupId(group)
            .setMemberId(memberId).setMemberEpoch(memberEpoch).addSubscribedTopicNames(topic)
            .setRebalanceTimeoutMs(30_000).addAllOwnedPartitions(owned).build();
        final ConsumerGroupHeartbeatResponse res = toCoordinator(group, ApiKey.CONSUMER_GROUP_HEARTBEAT, req,
            ConsumerGroupHeartbeatResponse.parser());
        if (res.getError() == ErrorCode.NONE) {
            memberId = res.getMemberId();
            memberEpoch = res.getMemberEpoch();
            if (res.getHasAssignment()) {
                owned = res.getAssignmentList();
            }
        }
        return res.getError();
    }

    /** @return the partitions the member owns now */
    List<TopicPartitions> owned() {
        return owned;
    }

    /** Commits as the member (member id and epoch). */
    ErrorCode commit(final String group, final String topic, final Map<Integer, Long> offsets) throws Exception {
        final OffsetCommitRequest.Builder req = OffsetCommitRequest.newBuilder().setGroupId(group)
            .setMemberId(memberId).setMemberEpoch(memberEpoch);
        offsets.forEach((p, o) -> req.addPartitions(OffsetCommitPartition.newBuilder().setTopic(topic)
            .setPartition(p).setOffset(o)));
        final OffsetCommitResponse res = toCoordinator(group, ApiKey.OFFSET_COMMIT, req.build(),
            OffsetCommitResponse.parser());
        if (res.getError() != ErrorCode.NONE) {
            return res.getError();
        }
        return res.getResultsList().stream().map(x -> x.getError()).filter(e -> e != ErrorCode.NONE).findFirst()
            .orElse(ErrorCode.NONE);
    }

    /** Leaves the group (epoch -1). */
    ErrorCode leave(final String group, final String topic) throws Exception {
        memberEpoch = -1;
        owned = List.of();
        return heartbeat(group, topic);
    }

    private <T> T toCoordinator(final String group, final ApiKey key, final MessageLite body, final Parser<T> parser)
        throws Exception {
        final int coordinator;
        try (ClientResponse r = network.sendToAny(ApiKey.FIND_COORDINATOR, FindCoordinatorRequest.newBuilder()
            .setGroupId(group).build(), TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            final FindCoordinatorResponse res = r.body(FindCoordinatorResponse.parser());
            if (res.getError() != ErrorCode.NONE) {
                throw new IllegalStateException("no coordinator: " + res);
            }
            coordinator = res.getCoordinator().getNodeId();
        }
        if (network.metadata().node(coordinator) == null) {
            network.refreshMetadata(List.of(), TIMEOUT_MS).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
        try (ClientResponse r = network.send(coordinator, key, body, null, TIMEOUT_MS)
            .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            return r.body(parser);
        }
    }

    @Override
    public void close() {
        network.close();
    }
}
