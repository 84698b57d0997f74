package dev.ferry.node.controller;

import dev.ferry.replication.rpc.FerryRpcType;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The metadata Raft group: its fixed id, its voters, and every Ratis setting of the controller's server and
 * clients, each with its reason. Stateless and thread-safe.
 */
public final class MetadataQuorum {
    /** The one metadata group's id: the same on every node, derived from a fixed name. */
    public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes("ferry-cluster-metadata".getBytes(StandardCharsets.UTF_8)));

    /** The largest metadata entry (one request's records); larger requests are refused with INVALID_REQUEST. */
    public static final int MAX_ENTRY_BYTES = 8 << 20;
    /** The largest controller message: a heartbeat reply carries the whole image. */
    static final int MAX_MESSAGE_BYTES = 64 << 20;

    private MetadataQuorum() {
    }

    /**
     * @param spec voters as {@code 1@host:port,2@host:port,3@host:port}
     * @return node id to host:port, in the given order
     * @throws IllegalArgumentException naming the bad entry
     */
    public static Map<Integer, String> parseVoters(final String spec) {
        final Map<Integer, String> voters = new LinkedHashMap<>();
        for (final String raw : spec.split(",")) {
            final String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            final int at = entry.indexOf('@');
            final int colon = entry.lastIndexOf(':');
            if (at <= 0 || colon < at + 2 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("invalid controller.voters entry '" + entry
                    + "': expected id@host:port");
            }
            try {
                final int id = Integer.parseInt(entry.substring(0, at));
                final int port = Integer.parseInt(entry.substring(colon + 1));
                if (port < 1 || port > 65535 || id < 0) {
                    throw new NumberFormatException("out of range");
                }
                if (voters.put(id, entry.substring(at + 1)) != null) {
                    throw new IllegalArgumentException("controller.voters names node " + id + " twice");
                }
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("invalid controller.voters entry '" + entry
                    + "': id and port must be numbers (port 1-65535)", e);
            }
        }
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("controller.voters is empty: expected id@host:port,...");
        }
        return voters;
    }

    /**
     * @param voters node id to host:port
     * @return the metadata group
     */
    public static RaftGroup group(final Map<Integer, String> voters) {
        final List<RaftPeer> peers = new ArrayList<>();
        voters.forEach((id, address) -> peers.add(RaftPeer.newBuilder().setId(Integer.toString(id))
            .setAddress(address).build()));
        return RaftGroup.valueOf(GROUP_ID, peers);
    }

    /**
     * @param config the controller config (a voter's)
     * @return the controller server's properties
     */
    static RaftProperties serverProperties(final ControllerConfig config) {
        final String address = config.voters().get(config.nodeId());
        final RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, FerryRpcType.INSTANCE);
        GrpcConfigKeys.Server.setHost(p, address.substring(0, address.lastIndexOf(':')));
        GrpcConfigKeys.Server.setPort(p, Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        RaftServerConfigKeys.setStorageDir(p, List.of(config.controllerDir().toFile()));
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(config.electionTimeoutMinMs(),
            TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(config.electionTimeoutMaxMs(),
            TimeUnit.MILLISECONDS));
        // The metadata log is small: records stay in the Raft log and the whole image is snapshotted every
        // snapshotEntries entries; a follower behind the purge point gets the snapshot file (install snapshot).
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, config.snapshotEntries()));
        // Ratis purges only closed segments: size them to about one snapshot interval of records (~128 bytes
        // each), so the log behind a snapshot goes; 8 MiB caps a segment where the default is 32 MiB.
        final long segmentBytes = Math.max(16L << 10, Math.min(8L << 20, config.snapshotEntries() * 128));
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(segmentBytes));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(256L << 10, segmentBytes)));
        // One entry is one request's records (a topic of 10,000 partitions is ~150 KB); the log's write buffer
        // and the appender's buffer must hold the largest (Ratis's defaults are 64 KiB and 4 MiB).
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(MAX_ENTRY_BYTES + (64 << 10)));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(MAX_ENTRY_BYTES));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES));
        // Controller requests wait for their records to commit; the default 3 s is tight during an election.
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(config.requestTimeoutMs(),
            TimeUnit.MILLISECONDS));
        return p;
    }

    /**
     * @param requestTimeoutMs one attempt's timeout
     * @return the controller client's properties
     */
    static RaftProperties clientProperties(final int requestTimeoutMs) {
        final RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, FerryRpcType.INSTANCE);
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(requestTimeoutMs, TimeUnit.MILLISECONDS));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES));
        return p;
    }
}
