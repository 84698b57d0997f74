package dev.ferry.replication;

import dev.ferry.log.LogConfig;
import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import org.apache.ratis.protocol.RaftPeer;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * N real Ratis servers in one JVM, each on its own 127.0.0.1 port and data directory, for replication tests.
 * Nodes can be stopped abruptly and restarted on the same port and directory. Not thread-safe.
 */
final class MiniFerryRaftCluster implements Closeable {
    /** Short timeouts for quick failover in tests; no automatic snapshots unless a test asks. */
    static final RaftTuning FAST = new RaftTuning(300, 600, 4 << 20, 1_000_000, 1 << 20);

    private final Path dir;
    private final Durability durability;
    private final LogConfig logConfig;
    private final int[] ports;
    private final RaftServerHost[] hosts;
    private final RaftTuning tuning;

    MiniFerryRaftCluster(final Path dir, final int nodes, final Durability durability, final LogConfig logConfig)
        throws IOException {
        this(dir, nodes, durability, logConfig, FAST);
    }

    MiniFerryRaftCluster(final Path dir, final int nodes, final Durability durability, final LogConfig logConfig,
                         final RaftTuning tuning) throws IOException {
        this.tuning = tuning;
        this.dir = dir;
        this.durability = durability;
        this.logConfig = logConfig;
        this.hosts = new RaftServerHost[nodes];
        this.ports = FreePorts.pick(nodes);
        for (int i = 0; i < nodes; i++) {
            start(i);
        }
    }

    void start(final int i) throws IOException {
        hosts[i] = new RaftServerHost(nodeId(i), "127.0.0.1", ports[i], dir.resolve(nodeId(i)), durability, logConfig,
            tuning, new InProcessCatchUp());
    }

    /** Stops a node the way a crash looks to its peers: the server goes away without handing anything over. */
    void stop(final int i) throws IOException {
        final RaftServerHost h = hosts[i];
        hosts[i] = null;
        h.close();
    }

    static String nodeId(final int i) {
        return "n" + i;
    }

    List<RaftPeer> peers() {
        final List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < ports.length; i++) {
            peers.add(RaftServerHost.peer(nodeId(i), "127.0.0.1:" + ports[i]));
        }
        return peers;
    }

    void createPartition(final PartitionId p) throws IOException {
        for (final RaftServerHost h : hosts) {
            h.addReplica(p, peers());
        }
    }

    RaftServerHost host(final int i) {
        return hosts[i];
    }

    int size() {
        return hosts.length;
    }

    /** @return the index of the node whose replica leads {@code p} and is ready, waiting up to 30 s */
    int awaitLeader(final PartitionId p) {
        final int[] leader = {-1};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (int i = 0; i < hosts.length; i++) {
                if (hosts[i] != null && hosts[i].stateMachine(p) != null && hosts[i].status(p).leader()
                    && hosts[i].stateMachine(p).isLeaderReady()) {
                    leader[0] = i;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Appends with acks=all to whichever node leads, retrying through elections, for up to 30 s. */
    AppendResult appendToLeader(final PartitionId p, final ByteBuffer batch) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            final int leader = awaitLeader(p);
            try {
                return hosts[leader].append(p, batch.duplicate(), Acks.ALL).get(10, TimeUnit.SECONDS);
            } catch (final ExecutionException | TimeoutException | NullPointerException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no acknowledgement within 30 s for partition=" + p, last);
    }

    /** Waits until every running replica's high watermark reaches {@code offset}. */
    void awaitHighWatermark(final PartitionId p, final long offset) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (final RaftServerHost h : hosts) {
                if (h != null && h.stateMachine(p) != null && h.stateMachine(p).highWatermark().offset() < offset) {
                    return false;
                }
            }
            return true;
        });
    }

    /** @return the bytes of the replica's log from offset 0 up to {@code end} */
    static byte[] committedBytes(final PartitionLog log, final long end) {
        try {
            final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            long next = log.logStartOffset();
            while (next < end) {
                final LogReadSlice slice = log.read(next, 1 << 20, end);
                if (slice.sizeInBytes() == 0) {
                    throw new IllegalStateException("replica has no batches from offset " + next + " below " + end
                        + " (logEndOffset=" + log.logEndOffset() + "): wait for its high watermark first");
                }
                final ByteBuffer buf = ByteBuffer.allocate(slice.sizeInBytes());
                slice.readInto(buf);
                out.write(buf.array(), 0, buf.position());
                next = slice.nextOffset();
            }
            return out.toByteArray();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies from the leader's log in this JVM: the mechanics of catch-up without the broker's transport. */
    private final class InProcessCatchUp implements CatchUpSource {
        private PartitionStateMachine leader(final String nodeId, final PartitionId p) throws IOException {
            final RaftServerHost h = hosts[Integer.parseInt(nodeId.substring(1))];
            if (h == null || h.stateMachine(p) == null) {
                throw new IOException("node " + nodeId + " is down or does not host " + p);
            }
            return h.stateMachine(p);
        }

        @Override
        public LeaderState leaderState(final String leaderNodeId, final PartitionId partition) throws IOException {
            return leader(leaderNodeId, partition).committedState();
        }

        @Override
        public ByteBuffer fetch(final String leaderNodeId, final PartitionId partition, final long fromOffset,
                                final long upToOffset, final int maxBytes) throws IOException {
            final LogReadSlice slice = leader(leaderNodeId, partition).log().read(fromOffset, maxBytes, upToOffset);
            final ByteBuffer out = ByteBuffer.allocate(slice.sizeInBytes());
            slice.readInto(out);
            return out.flip();
        }
    }

    static LogConfig smallSegments() {
        return LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 256 << 10));
    }

    @Override
    public void close() throws IOException {
        for (int i = 0; i < hosts.length; i++) {
            if (hosts[i] != null) {
                stop(i);
            }
        }
    }
}
