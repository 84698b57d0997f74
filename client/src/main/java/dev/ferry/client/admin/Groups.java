package dev.ferry.client.admin;

import dev.ferry.client.TopicPartition;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.ClusterMetadata;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.DeleteGroupsRequest;
import dev.ferry.client.protocol.proto.DeleteGroupsResponse;
import dev.ferry.client.protocol.proto.DeleteGroupsResult;
import dev.ferry.client.protocol.proto.DescribeGroupsRequest;
import dev.ferry.client.protocol.proto.DescribeGroupsResponse;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FindCoordinatorRequest;
import dev.ferry.client.protocol.proto.FindCoordinatorResponse;
import dev.ferry.client.protocol.proto.ListGroupsRequest;
import dev.ferry.client.protocol.proto.ListGroupsResponse;
import dev.ferry.client.protocol.proto.ListOffsetsPartition;
import dev.ferry.client.protocol.proto.ListOffsetsPartitionResult;
import dev.ferry.client.protocol.proto.ListOffsetsRequest;
import dev.ferry.client.protocol.proto.ListOffsetsResponse;
import dev.ferry.client.protocol.proto.OffsetCommitPartition;
import dev.ferry.client.protocol.proto.OffsetCommitPartitionResult;
import dev.ferry.client.protocol.proto.OffsetCommitRequest;
import dev.ferry.client.protocol.proto.OffsetCommitResponse;
import dev.ferry.client.protocol.proto.OffsetFetchPartition;
import dev.ferry.client.protocol.proto.OffsetFetchRequest;
import dev.ferry.client.protocol.proto.OffsetFetchResponse;
import dev.ferry.client.protocol.proto.TopicPartitions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The consumer-group calls of {@link FerryAdmin}: each group is served by its coordinator (found with
 * FindCoordinator), except the listing, which every node answers for the groups it coordinates. One attempt per
 * call; {@link FerryAdmin} retries. Thread-safe (no state).
 */
final class Groups {
    private static final long LATEST = -1;
    private static final Comparator<TopicPartition> ORDER = Comparator.comparing(TopicPartition::topic)
        .thenComparingInt(TopicPartition::partition);

    private final FerryAdmin admin;

    Groups(final FerryAdmin admin) {
        this.admin = admin;
    }

    CompletableFuture<Integer> coordinator(final String groupId) {
        return admin.toAny(ApiKey.FIND_COORDINATOR, FindCoordinatorRequest.newBuilder().setGroupId(groupId).build(),
            FindCoordinatorResponse.parser()).thenApply(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw FerryException.of(r.getError(), "find coordinator of group " + groupId + ": "
                        + r.getErrorMessage());
                }
                return r.getCoordinator().getNodeId();
            });
    }

    CompletableFuture<List<GroupListing>> list() {
        return admin.refresh(List.of()).thenCompose((ClusterMetadata m) -> {
            final List<CompletableFuture<ListGroupsResponse>> answers = new ArrayList<>();
            for (final int node : new TreeSet<>(m.nodes().keySet())) {
                answers.add(admin.toNode(node, ApiKey.LIST_GROUPS, ListGroupsRequest.getDefaultInstance(),
                    ListGroupsResponse.parser()).thenApply(r -> {
                        if (r.getError() != ErrorCode.NONE) {
                            throw FerryException.of(r.getError(), "list groups at node=" + node + ": "
                                + r.getErrorMessage());
                        }
                        return r;
                    }));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
                final Map<String, GroupListing> all = new TreeMap<>();
                answers.forEach(a -> a.join().getGroupsList()
                    .forEach(g -> all.put(g.getGroupId(), new GroupListing(g.getGroupId(), g.getState()))));
                return List.copyOf(all.values());
            });
        });
    }

    CompletableFuture<Map<String, GroupDescription>> describe(final Collection<String> groupIds) {
        final Map<String, CompletableFuture<GroupDescription>> each = new LinkedHashMap<>();
        for (final String id : groupIds) {
            each.put(id, coordinator(id).thenCompose(c -> admin.toNode(c, ApiKey.DESCRIBE_GROUPS,
                DescribeGroupsRequest.newBuilder().addGroupIds(id).build(), DescribeGroupsResponse.parser())
                .thenApply(r -> describe(id, c, r))));
        }
        return CompletableFuture.allOf(each.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            final Map<String, GroupDescription> out = new LinkedHashMap<>();
            each.forEach((id, f) -> out.put(id, f.join()));
            return out;
        });
    }

    private static GroupDescription describe(final String id, final int coordinator,
                                             final DescribeGroupsResponse r) {
        for (final dev.ferry.client.protocol.proto.GroupDescription g : r.getGroupsList()) {
            if (!g.getGroupId().equals(id)) {
                continue;
            }
            if (g.getError() != ErrorCode.NONE) {
                throw FerryException.of(g.getError(), "describe group " + id + " at node=" + coordinator + ": "
                    + g.getErrorMessage());
            }
            final List<MemberDescription> members = new ArrayList<>();
            for (final dev.ferry.client.protocol.proto.MemberDescription m : g.getMembersList()) {
                members.add(new MemberDescription(m.getMemberId(), m.getInstanceId(), m.getClientId(),
                    m.getClientHost(), m.getMemberEpoch(), m.getSubscribedTopicNamesList(),
                    partitions(m.getAssignmentList()), partitions(m.getTargetAssignmentList())));
            }
            return new GroupDescription(id, g.getState(), g.getGroupEpoch(), g.getAssignor(), members, coordinator);
        }
        throw FerryException.of(ErrorCode.GROUP_ID_NOT_FOUND, "describe group " + id + ": not in the answer of node="
            + coordinator);
    }

    private static Set<TopicPartition> partitions(final List<TopicPartitions> list) {
        final Set<TopicPartition> out = new TreeSet<>(ORDER);
        list.forEach(t -> t.getPartitionsList().forEach(p -> out.add(new TopicPartition(t.getTopic(), p))));
        return out;
    }

    CompletableFuture<Map<TopicPartition, Long>> committed(final String groupId) {
        return coordinator(groupId).thenCompose(c -> admin.toNode(c, ApiKey.OFFSET_FETCH,
            OffsetFetchRequest.newBuilder().setGroupId(groupId).build(), OffsetFetchResponse.parser()))
            .thenApply(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw FerryException.of(r.getError(), "fetch offsets of group " + groupId + ": "
                        + r.getErrorMessage());
                }
                final Map<TopicPartition, Long> out = new TreeMap<>(ORDER);
                for (final OffsetFetchPartition p : r.getPartitionsList()) {
                    if (p.getError() != ErrorCode.NONE) {
                        throw FerryException.of(p.getError(), "fetch offset of group " + groupId + " for "
                            + p.getTopic() + "-" + p.getPartition());
                    }
                    if (p.getOffset() >= 0) {
                        out.put(new TopicPartition(p.getTopic(), p.getPartition()), p.getOffset());
                    }
                }
                return out;
            });
    }

    CompletableFuture<Map<TopicPartition, PartitionLag>> lag(final String groupId) {
        return committed(groupId).thenCompose(committed -> {
            final Set<String> topics = new TreeSet<>();
            committed.keySet().forEach(tp -> topics.add(tp.topic()));
            if (topics.isEmpty()) {
                return CompletableFuture.completedFuture(Map.<TopicPartition, PartitionLag>of());
            }
            return admin.refresh(topics).thenCompose(m -> endOffsets(m, committed.keySet()))
                .thenApply(ends -> {
                    final Map<TopicPartition, PartitionLag> out = new TreeMap<>(ORDER);
                    committed.forEach((tp, offset) -> {
                        final long end = ends.get(tp);
                        out.put(tp, new PartitionLag(tp, offset, end, Math.max(0, end - offset)));
                    });
                    return out;
                });
        });
    }

    /** High watermarks, each asked of the partition's leader (a follower's may lag behind). */
    private CompletableFuture<Map<TopicPartition, Long>> endOffsets(final ClusterMetadata m,
                                                                   final Collection<TopicPartition> partitions) {
        final Map<Integer, ListOffsetsRequest.Builder> byLeader = new HashMap<>();
        for (final TopicPartition tp : partitions) {
            final int leader = m.leader(tp.topic(), tp.partition());
            if (leader < 0) {
                return CompletableFuture.failedFuture(FerryException.of(ErrorCode.LEADER_NOT_AVAILABLE,
                    "no leader known for " + tp));
            }
            byLeader.computeIfAbsent(leader, l -> ListOffsetsRequest.newBuilder()).addPartitions(
                ListOffsetsPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                    .setTimestamp(LATEST));
        }
        final List<CompletableFuture<ListOffsetsResponse>> answers = new ArrayList<>();
        byLeader.forEach((leader, req) -> answers.add(admin.toNode(leader, ApiKey.LIST_OFFSETS, req.build(),
            ListOffsetsResponse.parser())));
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
            final Map<TopicPartition, Long> out = new HashMap<>();
            for (final CompletableFuture<ListOffsetsResponse> a : answers) {
                for (final ListOffsetsPartitionResult r : a.join().getResultsList()) {
                    final TopicPartition tp = new TopicPartition(r.getTopic(), r.getPartition());
                    if (r.getError() != ErrorCode.NONE) {
                        throw FerryException.of(r.getError(), "end offset of " + tp + ": " + r.getErrorMessage());
                    }
                    out.put(tp, r.getOffset());
                }
            }
            return out;
        });
    }

    CompletableFuture<Void> reset(final String groupId, final Map<TopicPartition, Long> offsets) {
        final OffsetCommitRequest.Builder req = OffsetCommitRequest.newBuilder().setGroupId(groupId)
            .setMemberId("").setMemberEpoch(-1);
        offsets.forEach((tp, offset) -> req.addPartitions(OffsetCommitPartition.newBuilder().setTopic(tp.topic())
            .setPartition(tp.partition()).setOffset(offset)));
        return coordinator(groupId).thenCompose(c -> admin.toNode(c, ApiKey.OFFSET_COMMIT, req.build(),
            OffsetCommitResponse.parser())).thenAccept(r -> {
                if (r.getError() != ErrorCode.NONE) {
                    throw FerryException.of(r.getError(), "reset offsets of group " + groupId + ": "
                        + r.getErrorMessage());
                }
                for (final OffsetCommitPartitionResult p : r.getResultsList()) {
                    if (p.getError() != ErrorCode.NONE) {
                        throw FerryException.of(p.getError(), "reset offset of group " + groupId + " for "
                            + p.getTopic() + "-" + p.getPartition() + ": " + p.getErrorMessage());
                    }
                }
            });
    }

    CompletableFuture<Void> delete(final Collection<String> groupIds) {
        final List<CompletableFuture<Void>> each = new ArrayList<>();
        for (final String id : groupIds) {
            each.add(coordinator(id).thenCompose(c -> admin.toNode(c, ApiKey.DELETE_GROUPS,
                DeleteGroupsRequest.newBuilder().addGroupIds(id).build(), DeleteGroupsResponse.parser()))
                .thenAccept(r -> {
                    for (final DeleteGroupsResult g : r.getResultsList()) {
                        if (g.getError() != ErrorCode.NONE) {
                            throw FerryException.of(g.getError(), "delete group " + g.getGroupId() + ": "
                                + g.getErrorMessage());
                        }
                    }
                }));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new));
    }
}
