package dev.ferry.replication;

import dev.ferry.replication.rpc.FerryRpcType;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every Ratis setting Ferry changes, in one place, each with its reason. Ratis settings belong to a server,
 * so all partitions of one {@link RaftServerHost} share them.
 *
 * <p>Thread-safe (stateless).
 */
public final class RaftPropertiesFactory {
    private RaftPropertiesFactory() {
    }

    /**
     * @param storageDir where Ratis keeps its (small) logs
     * @param host the address to bind
     * @param port the gRPC port
     * @param durability the host's durability
     * @param tuning timeouts and sizes
     * @return the properties
     */
    public static RaftProperties create(final Path storageDir, final String host, final int port,
                                        final Durability durability, final RaftTuning tuning) {
        final RaftProperties p = new RaftProperties();
        RaftConfigKeys.Rpc.setType(p, FerryRpcType.INSTANCE);
        GrpcConfigKeys.Server.setHost(p, host);
        GrpcConfigKeys.Server.setPort(p, port);
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir.toFile()));

        // The state machine holds the batch bytes (in its log): Ratis keeps only the small headers in its
        // segment cache instead of every entry of up to 7 segments on heap, per group (RATIS-1198).
        RaftServerConfigKeys.Log.StateMachineData.setCachingEnabled(p, true);
        // Finite retries, so a stuck disk surfaces as a failure instead of blocking the log forever (HDDS-9821).
        RaftServerConfigKeys.Log.StateMachineData.setSyncTimeout(p, TimeDuration.valueOf(10, TimeUnit.SECONDS));
        RaftServerConfigKeys.Log.StateMachineData.setSyncTimeoutRetry(p, 3);
        // REPLICATED durability acknowledges from the page cache, so the Raft log's own fsync is off the
        // commit path as well; FSYNC keeps it, after the state machine's flush of the data.
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, durability == Durability.REPLICATED);

        // Raft entries are ~100 bytes of header: small segments, little preallocation, a small cache.
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(tuning.raftLogSegmentBytes()));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(256L << 10,
            tuning.raftLogSegmentBytes())));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
        // No METADATAENTRY after every commit advance: it doubled the entries to replicate, apply and fsync
        // (REPLICATED 23 -> 35 MB/s, FSYNC 31 -> 47 MB/s). After a restart the commit index comes back from
        // the leader instead, as in plain Raft.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
        // The direct write buffer must exceed the largest entry the appender sends; both track the entry size.
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(tuning.maxEntryBytes()));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(tuning.maxEntryBytes() + (64 << 10)));
        GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(tuning.maxEntryBytes() + (1 << 20)));
        // Pending writes per partition leader: bounded so one hot partition cannot take the heap.
        RaftServerConfigKeys.Write.setByteLimit(p, SizeInBytes.valueOf(32L << 20));

        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(tuning.electionTimeoutMinMs(),
            TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(tuning.electionTimeoutMaxMs(),
            TimeUnit.MILLISECONDS));

        // Snapshots are small checkpoints; the Raft log is purged up to them. A follower behind the purge point
        // is notified (install.snapshot disabled) and copies the leader's segments (PartitionStateMachine)
        // instead of Ratis streaming snapshot files or replaying entries one by one.
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, tuning.snapshotEntries());
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, tuning.snapshotEntries()));
        return p;
    }
}
