package dev.ferry.replication;

import dev.ferry.log.LogReadSlice;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.record.InvalidBatchException;
import dev.ferry.log.record.RecordBatch;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The Ratis state machine of one partition replica: a thin, deterministic adapter over its {@link PartitionLog}.
 *
 * <p>The batch bytes stay out of the Raft log (Ratis's state machine data API, as Apache Ozone's
 * ContainerStateMachine does): the Raft entry carries a {@link PartitionEntryHeader}, the bytes travel beside
 * it and are written once, into the partition's segments. Phases, on every replica:
 * <ol>
 *   <li>{@code startTransaction} (leader only): validates every batch (size, CRC, records) and refuses a bad
 *       request before it reaches the Raft log.</li>
 *   <li>{@code write} (in Raft index order, on the log append path): appends the bytes to the partition log,
 *       stamping the Raft term and index into each batch header; offsets follow from the log prefix, so every
 *       replica assigns the same ones. An entry whose index is already in the log first cuts that tail.</li>
 *   <li>{@code flush}: under {@link Durability#FSYNC} forces the log up to the entry; Ratis fsyncs its own entry
 *       only after this completes, so a durable Raft entry always has durable data.</li>
 *   <li>{@code truncate} (leader change): drops every batch of Raft index at or above the cut.</li>
 *   <li>{@code applyTransaction} (committed, in order): advances the {@link HighWatermark}; idempotent on replay
 *       after a restart, where entries come back without their data.</li>
 * </ol>
 *
 * <p>A storage failure marks the replica unhealthy: it stops acknowledging, refuses snapshots, and never serves
 * data again until rebuilt. Thread-safety: Ratis calls {@code write}/{@code truncate} from one log thread and
 * {@code applyTransaction} from one applier thread; the read accessors are lock-free.
 */
public final class PartitionStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionStateMachine.class);

    private final PartitionId partition;
    private final String nodeId;
    private final Durability durability;
    private final Function<PartitionId, PartitionLog> logOpener;
    private final CatchUpSource catchUpSource;
    private final SerialExecutor io;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    /** End offset after each written but not yet applied Raft index. */
    private final ConcurrentSkipListMap<Long, Long> endOffsetByIndex = new ConcurrentSkipListMap<>();
    /** Outcomes the host waits for, of requests this leader has started, by call id. */
    private final ConcurrentHashMap<Long, EntryOutcome> leaderAppends = new ConcurrentHashMap<>();
    private final ProducerStateTracker producers = new ProducerStateTracker();
    private final RecordBatch writeBatch = new RecordBatch();

    private volatile PartitionLog log;
    private final HighWatermark highWatermark = new HighWatermark(0);
    private volatile boolean leaderReady;
    /** Counts leader changes, so a queued leader-ready step of an earlier leadership does nothing. */
    private final AtomicLong leaderChanges = new AtomicLong();
    private volatile boolean leader;
    private volatile long snapshotHighWatermark;
    /** Producer state of the latest checkpoint, and the offset it covers (written under writeLock). */
    private String checkpointProducers;
    private long checkpointProducersOffset;
    private final AtomicInteger catchUps = new AtomicInteger();
    private volatile Throwable unhealthy;
    /** Orders write, truncate and the start-up reconcile; uncontended on the write path (one Ratis thread). */
    private final Object writeLock = new Object();
    private ByteBuffer writeBuffer = ByteBuffer.allocate(0);
    private long lastWrittenIndex = -1;
    private boolean wroteSinceStart;
    private final ReplicaListener listener;
    private volatile String leaderNodeId;

    /**
     * @param partition the partition this replica holds
     * @param nodeId this node's id, for logs
     * @param durability when writes are acknowledged
     * @param logOpener opens the partition's log (called once, at initialize)
     * @param catchUpSource where to copy segments from when this replica is behind the leader's Raft log start,
     *                      or null to refuse (the leader keeps retrying)
     * @param ioPool runs the partition log's I/O; its threads are never interrupted (see {@link SerialExecutor})
     * @param listener told of high watermark and leadership changes
     */
    public PartitionStateMachine(final PartitionId partition, final String nodeId, final Durability durability,
                                 final Function<PartitionId, PartitionLog> logOpener,
                                 final CatchUpSource catchUpSource, final Executor ioPool,
                                 final ReplicaListener listener) {
        this.partition = partition;
        this.listener = listener;
        this.io = new SerialExecutor(ioPool);
        this.catchUpSource = catchUpSource;
        this.nodeId = nodeId;
        this.durability = durability;
        this.logOpener = logOpener;
    }

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage raftStorage)
        throws IOException {
        super.initialize(server, groupId, raftStorage);
        // Ratis pauses and reinitializes the state machine around a catch-up; it checks the life cycle.
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            log = logOpener.apply(partition);
            final long checkpointHighWatermark = loadState();
            if (checkpointHighWatermark > log.logEndOffset()) {
                // Committed data is gone (a damaged segment cut at start, a lost unsynced tail): serving this log,
                // or leading with it, would lose acknowledged records.
                markUnhealthy("start", new IOException("partition log ends at offset=" + log.logEndOffset()
                    + " below the checkpoint's highWatermark=" + checkpointHighWatermark
                    + ": committed data is missing; the replica must be rebuilt from its peers"));
            }
        }, IOException.class);
        LOG.info("partition={} node={} initialized: logEndOffset={} highWatermark={} lastRaftIndex={} snapshot={}",
            partition, nodeId, log.logEndOffset(), highWatermark.offset(), lastWrittenIndex,
            getLatestSnapshot() == null ? "none" : getLatestSnapshot().getTermIndex());
    }

    /**
     * Reads the latest checkpoint and the log's tail: applied term/index, high watermark, producer state.
     *
     * @return the checkpoint's high watermark (0 without one)
     */
    private long loadState() throws IOException {
        final SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        long hw = 0;
        if (snapshot != null) {
            final Properties checkpoint = readCheckpoint(snapshot.getFile().getPath().toFile());
            hw = Long.parseLong(checkpoint.getProperty("highWatermark", "0"));
            setLastAppliedTermIndex(snapshot.getTermIndex());
            snapshotHighWatermark = Math.min(hw, log.logEndOffset());
        }
        highWatermark.advanceTo(Math.min(hw, log.logEndOffset()));
        final long[] last = log.lastTermAndRaftIndex();
        lastWrittenIndex = last == null ? -1 : last[1];
        final Properties checkpoint = snapshot == null ? null : readCheckpoint(snapshot.getFile().getPath().toFile());
        checkpointProducers = checkpoint == null ? null : checkpoint.getProperty("producers");
        checkpointProducersOffset = checkpoint == null ? 0
            : Long.parseLong(checkpoint.getProperty("producersCoveredOffset", String.valueOf(hw)));
        rebuildProducerState();
        return hw;
    }

    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        synchronized (writeLock) {
            loadState();
        }
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
        LOG.info("partition={} node={} reinitialized after catch-up: logEndOffset={} highWatermark={}", partition,
            nodeId, log.logEndOffset(), highWatermark.offset());
    }

    /**
     * Cuts the partition log back to the Raft log's last entry. Ratis opens its log only after
     * {@link #initialize}, so the host calls this once the server has started: a crash between the data write
     * and the Raft entry write leaves data the Raft log does not know.
     *
     * <p>The other way round, a Raft entry with partition data beyond the partition log's last one means data
     * the Raft log holds was lost (a segment damaged and cut at start, an unsynced tail gone): the replica goes
     * out of service, to be rebuilt from its peers.
     *
     * @param lastRaftIndex the Raft log's last index (or the snapshot's, when the log is empty)
     * @param raftLog the Raft log, to look for the last entry that carries partition data
     */
    public void reconcileWithRaftLog(final long lastRaftIndex, final RaftLog raftLog) {
        synchronized (writeLock) {
            // Entries up to the checkpoint are covered by it (their batches may be gone by retention; initialize
            // checked that the log reaches the checkpoint's high watermark).
            final SingleFileSnapshotInfo checkpoint = getLatestSnapshot();
            final long covered = Math.max(lastWrittenIndex, checkpoint == null ? -1 : checkpoint.getIndex());
            if (!wroteSinceStart && covered < lastRaftIndex) {
                final long missing = lastDataIndexAfter(raftLog, covered, lastRaftIndex);
                if (missing > covered) {
                    markUnhealthy("start", new IOException("the Raft log holds partition data up to raftIndex="
                        + missing + " but the partition log (with its checkpoint) only up to raftIndex=" + covered
                        + " (logEndOffset=" + log.logEndOffset() + "): data is missing; the replica must be"
                        + " rebuilt from its peers"));
                }
                return;
            }
            // Ratis may already be appending when this runs (the server is started). Once it has written an
            // entry here, the cut is no longer ours to make: write() cuts any stale tail itself when an index
            // it already holds arrives again, and apply() reads ends from the log. Cutting now could remove an
            // entry the Raft log just appended.
            if (wroteSinceStart || lastWrittenIndex <= lastRaftIndex) {
                return;
            }
            final long end = log.truncateToRaftIndex(lastRaftIndex + 1);
            rebuildProducerState();
            LOG.warn("partition={} node={} cut the log back to the Raft log: lastRaftIndex={} logEndOffset={}",
                partition, nodeId, lastRaftIndex, end);
            lastWrittenIndex = lastRaftIndex;
        }
    }

    /** @return the index of the Raft log's last entry with partition data above {@code floor}, else floor */
    private static long lastDataIndexAfter(final RaftLog raftLog, final long floor, final long last) {
        final long start = Math.max(floor + 1, raftLog.getStartIndex());
        for (long i = last; i >= start; i--) {
            try {
                final LogEntryProto e = raftLog.get(i);
                if (e != null && e.hasStateMachineLogEntry()) {
                    return i;
                }
            } catch (final IOException e) {
                return i;
            }
        }
        return floor;
    }

    // ---- leader: validate and split the request --------------------------------------------------------------

    @Override
    public TransactionContext startTransaction(final RaftClientRequest request) throws IOException {
        final ByteString data = request.getMessage().getContent();
        final TransactionContext.Builder trx = TransactionContext.newBuilder().setStateMachine(this)
            .setClientRequest(request);
        try {
            ensureHealthy();
            final PartitionEntryHeader header = header(data);
            trx.setLogData(header.encode()).setStateMachineData(data)
                .setStateMachineContext(leaderAppends.remove(request.getCallId()));
            return trx.build();
        } catch (final RuntimeException e) {
            final TransactionContext refused = trx.build();
            refused.setException(e);
            final EntryOutcome pending = leaderAppends.remove(request.getCallId());
            if (pending != null) {
                pending.appended().completeExceptionally(e);
            }
            return refused;
        }
    }

    /**
     * Fully validates one request's batches (size, CRC, record structure) before they are queued, so a bad
     * batch is refused alone and never reaches the Raft log.
     *
     * @param batches concatenated batches
     * @throws InvalidBatchException naming the problem
     * @throws ReplicaUnhealthyException when this replica is out of service
     */
    void validate(final ByteBuffer batches) {
        ensureHealthy();
        if (!batches.hasRemaining()) {
            throw new IllegalArgumentException("empty produce request: partition=" + partition);
        }
        final RecordBatch batch = new RecordBatch();
        final int maxBatchBytes = log.config().maxBatchBytes();
        for (int pos = batches.position(); pos < batches.limit(); pos += batch.sizeInBytes()) {
            batch.wrap(batches, pos).ensureValid(maxBatchBytes);
        }
    }

    /**
     * The idempotence verdict the next write would give a batch, for the leader's admission gate.
     *
     * @param batch a batch with a producer id
     * @param duplicateOffsets receives the stored first and last offsets on {@code DUPLICATE}
     * @return the verdict
     */
    ProducerStateTracker.Verdict checkProducer(final RecordBatch batch, final long[] duplicateOffsets) {
        synchronized (writeLock) {
            final ProducerStateTracker.Verdict v = producers.check(batch);
            if (v == ProducerStateTracker.Verdict.DUPLICATE) {
                duplicateOffsets[0] = producers.duplicateFirstOffset();
                duplicateOffsets[1] = producers.duplicateLastOffset();
            }
            return v;
        }
    }

    /** Counts an entry's batches and records from their headers; the batches were validated when queued. */
    private PartitionEntryHeader header(final ByteString data) {
        if (data.isEmpty()) {
            throw new IllegalArgumentException("empty entry: partition=" + partition);
        }
        final RecordBatch batch = new RecordBatch();
        int batches = 0;
        int records = 0;
        for (final ByteBuffer part : data.asReadOnlyByteBufferList()) {
            for (int pos = part.position(); pos < part.limit(); pos += batch.sizeInBytes()) {
                if (part.limit() - pos < dev.ferry.log.record.RecordBatchLayout.HEADER_SIZE
                    || RecordBatch.sizeAt(part, pos) > part.limit() - pos) {
                    throw new IllegalArgumentException("entry data is not whole batches: partition=" + partition
                        + " position=" + pos);
                }
                batch.wrap(part, pos);
                batches++;
                records += batch.recordCount();
            }
        }
        return new PartitionEntryHeader(batches, records, data.size());
    }

    /**
     * Registers the outcome this leader's write of a request's entry fills in.
     *
     * @param callId the Raft client request's call id
     * @param outcome filled and completed by {@link #write}
     */
    void expectLeaderAppend(final long callId, final EntryOutcome outcome) {
        leaderAppends.put(callId, outcome);
    }

    // ---- every replica: data written once, into the partition log --------------------------------------------

    @Override
    public CompletableFuture<?> write(final LogEntryProto entry, final TransactionContext trx) {
        return io.submit(() -> {
            synchronized (writeLock) {
                wroteSinceStart = true;
                writeLocked(entry, trx, entry.getIndex());
                return null;
            }
        });
    }

    private void writeLocked(final LogEntryProto entry, final TransactionContext trx, final long index) {
        try {
            ensureHealthy();
            final ByteString data = entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
            final EntryOutcome outcome = trx != null && trx.getStateMachineContext() instanceof EntryOutcome
                ? (EntryOutcome) trx.getStateMachineContext() : null;
            final ByteBuffer bytes = writable(data);
            // The leader validated these exact bytes when the request was queued; anything else (a follower, a
            // replay) checks them before any byte or state changes.
            final PartitionEntryHeader header = outcome != null
                ? PartitionEntryHeader.decode(entry.getStateMachineLogEntry().getLogData())
                : checkEntry(entry.getStateMachineLogEntry().getLogData(), bytes, log.config().maxBatchBytes());
            if (index <= lastWrittenIndex) {
                // Ratis normally truncates first; this makes a re-sent index harmless in any case.
                log.truncateToRaftIndex(index);
                endOffsetByIndex.tailMap(index, true).clear();
                rebuildProducerState();
            }
            log.append(applyProducerState(bytes, header.batchCount(), outcome, index), entry.getTerm(), index);
            lastWrittenIndex = index;
            endOffsetByIndex.put(index, log.logEndOffset());
            if (outcome != null) {
                outcome.appended().complete(outcome);
            }
        } catch (final RuntimeException e) {
            throw markUnhealthy("write of raftIndex=" + index, e);
        }
    }

    /**
     * Checks an entry that arrived from the network or the Raft log: a well-formed header, data of the size it
     * announces, and whole valid batches (size, CRC, records) that add up to its counts.
     *
     * @param logData the entry's header bytes
     * @param data the entry's batch bytes
     * @param maxBatchBytes the largest batch accepted
     * @return the decoded header
     * @throws IllegalArgumentException or {@link InvalidBatchException} naming the problem
     */
    static PartitionEntryHeader checkEntry(final ByteString logData, final ByteBuffer data, final int maxBatchBytes) {
        final PartitionEntryHeader header = PartitionEntryHeader.decode(logData);
        if (header.dataBytes() != data.remaining()) {
            throw new IllegalArgumentException("entry data size mismatch: header=" + header.dataBytes() + " data="
                + data.remaining());
        }
        final RecordBatch batch = new RecordBatch();
        int batches = 0;
        long records = 0;
        for (int pos = data.position(); pos < data.limit(); pos += batch.sizeInBytes()) {
            batch.wrap(data, pos).ensureValid(maxBatchBytes);
            batches++;
            records += batch.recordCount();
        }
        if (batches != header.batchCount() || records != header.recordCount()) {
            throw new IllegalArgumentException("entry counts mismatch: header=" + header + " found batches=" + batches
                + " records=" + records);
        }
        return header;
    }

    /**
     * Stamps offsets into every batch of the entry and records idempotent ones in the producer state. Every
     * batch is stored, on every replica: the leader's admission gate decided, before the entry existed, which
     * batches enter the Raft log, so an entry's data is exactly what each replica stores and can be read back
     * for a lagging follower. Replicas used to re-judge each batch against their own producer state here; once
     * that state differed between replicas (restarts of every node, truncated tails, a replica caught up from a
     * checkpoint) a follower dropped a batch its leader stored, and the same Raft entry held other offsets on
     * each replica, or no data at all (found by the chaos soak: REORDERED reads, "no data for raftIndex").
     */
    private ByteBuffer applyProducerState(final ByteBuffer bytes, final int batchCount, final EntryOutcome outcome,
                                          final long index) {
        if (outcome != null) {
            outcome.reset(batchCount, index);
        }
        final RecordBatch batch = writeBatch;
        long next = log.logEndOffset();
        int i = 0;
        for (int pos = bytes.position(); pos < bytes.limit(); i++) {
            batch.wrap(bytes, pos);
            if (batch.producerId() >= 0) {
                final ProducerStateTracker.Verdict verdict = producers.check(batch);
                if (verdict != ProducerStateTracker.Verdict.APPEND) {
                    // The gate admits only what this check accepts; a difference means the replicas' producer
                    // states differ. The batch is stored anyway: every replica must store the same entry.
                    LOG.warn("partition={} node={} raftIndex={} stores a batch its producer state calls {}: "
                            + "producerId={} epoch={} baseSequence={}", partition, nodeId, index, verdict,
                        batch.producerId(), batch.producerEpoch(), batch.baseSequence());
                }
            }
            batch.baseOffset(next);
            final long first = next;
            next = batch.lastOffset() + 1;
            if (batch.producerId() >= 0) {
                producers.onAppended(batch);
            }
            if (outcome != null && i < outcome.batchCount()) {
                outcome.set(i, first, next - 1);
            }
            pos += batch.sizeInBytes();
        }
        return bytes;
    }

    /**
     * Producer state = the latest checkpoint's (it outlives segments that retention deleted) plus the batch
     * headers of the log after it; without a checkpoint, the whole log.
     */
    private void rebuildProducerState() {
        try {
            if (checkpointProducers != null && checkpointProducersOffset <= log.logEndOffset()) {
                producers.load(checkpointProducers);
                producers.rebuild(log, checkpointProducersOffset);
                return;
            }
            producers.rebuild(log);
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The log stamps offsets, term and Raft index into the batch headers, so it needs writable bytes; Ratis
     * hands out an immutable ByteString. One copy into a reused buffer, before the page cache.
     */
    private ByteBuffer writable(final ByteString data) {
        if (writeBuffer.capacity() < data.size()) {
            writeBuffer = ByteBuffer.allocateDirect(Math.max(data.size(), 2 * writeBuffer.capacity()));
        }
        writeBuffer.clear();
        data.copyTo(writeBuffer);
        return writeBuffer.flip();
    }

    @Override
    public CompletableFuture<Void> flush(final long logIndex) {
        if (durability != Durability.FSYNC) {
            return CompletableFuture.completedFuture(null);
        }
        return io.submit(() -> {
            try {
                final var written = endOffsetByIndex.floorEntry(logIndex);
                log.flush(written == null ? log.logEndOffset() : written.getValue());
                return null;
            } catch (final RuntimeException e) {
                throw markUnhealthy("flush of raftIndex=" + logIndex, e);
            }
        });
    }

    @Override
    public CompletableFuture<Void> truncate(final long logIndex) {
        // Ratis passes the first index to remove (not the last to keep, whatever its Javadoc says).
        return io.submit(() -> {
            try {
                final long end;
                synchronized (writeLock) {
                    end = log.truncateToRaftIndex(logIndex);
                    endOffsetByIndex.tailMap(logIndex, true).clear();
                    lastWrittenIndex = Math.min(lastWrittenIndex, logIndex - 1);
                    rebuildProducerState();
                }
                LOG.info("partition={} node={} truncated uncommitted entries from raftIndex={}: logEndOffset={}",
                    partition, nodeId, logIndex, end);
                return null;
            } catch (final RuntimeException e) {
                throw markUnhealthy("truncate from raftIndex=" + logIndex, e);
            }
        });
    }

    @Override
    public CompletableFuture<ByteString> read(final LogEntryProto entry, final TransactionContext trx) {
        if (trx != null && trx.getStateMachineLogEntry() != null
            && trx.getStateMachineLogEntry().hasStateMachineEntry()
            && !trx.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData().isEmpty()) {
            return CompletableFuture.completedFuture(
                trx.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData());
        }
        // In the serial chain, behind the write of this entry (Ratis may ask before that write has run), and on
        // Ferry's pool: the appender thread asking may be interrupted, which would close the segment's channel.
        final CompletableFuture<ByteString> data = io.submit(() -> {
            ensureHealthy();
            try {
                return readEntryData(entry.getIndex());
            } catch (final IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        // Handed back complete: Ratis's appender sends only entries whose data is ready and otherwise waits for
        // the next heartbeat, so an incomplete future made a restarted follower catch up at ~3 entries a second.
        try {
            return CompletableFuture.completedFuture(data.get());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        } catch (final java.util.concurrent.ExecutionException e) {
            return CompletableFuture.failedFuture(e.getCause());
        }
    }

    /** A lagging follower needs an entry whose request has completed: read its batches back from the log. */
    private ByteString readEntryData(final long index) throws IOException {
        final long from = log.offsetOfRaftIndex(index);
        final long to = log.offsetOfRaftIndex(index + 1);
        if (from >= to) {
            throw new IOException("no data for raftIndex=" + index + " partition=" + partition);
        }
        final ByteBuffer out = ByteBuffer.allocate(entrySize(from, to));
        long next = from;
        while (next < to) {
            final LogReadSlice slice = log.read(next, out.remaining(), to);
            slice.readInto(out);
            next = slice.nextOffset();
        }
        return UnsafeByteOperations.unsafeWrap(out.flip());
    }

    private int entrySize(final long from, final long to) {
        long size = 0;
        long next = from;
        while (next < to) {
            final LogReadSlice slice = log.read(next, Integer.MAX_VALUE, to);
            size += slice.sizeInBytes();
            next = slice.nextOffset();
        }
        return Math.toIntExact(size);
    }

    // ---- committed: the high watermark ----------------------------------------------------------------------

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx) {
        final LogEntryProto entry = trx.getLogEntry();
        final long index = entry.getIndex();
        // Behind this replica's own write of the entry in the serial chain: under REPLICATED durability Ratis may
        // commit an entry (followers have it) before the leader's asynchronous write of it has finished.
        return io.submit(() -> {
            final Long written = endOffsetByIndex.remove(index);
            // On replay after a restart the entry has no data and the map is empty: the log knows where it ends.
            final long end = written != null ? written : log.offsetOfRaftIndex(index + 1);
            final long before = highWatermark.offset();
            highWatermark.advanceTo(end);
            updateLastAppliedTermIndex(entry.getTerm(), index);
            if (end > before) {
                listener.onHighWatermark(partition, end);
            }
            return Message.EMPTY;
        });
    }

    /**
     * Configuration and metadata entries carry no data; their applied index moves through the same serial
     * chain as data entries, so the last applied index never goes backwards.
     */
    @Override
    public void notifyTermIndexUpdated(final long term, final long index) {
        io.submit(() -> {
            updateLastAppliedTermIndex(term, index);
            return null;
        });
    }

    // ---- snapshots: a small checkpoint; the partition log is the state --------------------------------------

    @Override
    public long takeSnapshot() throws IOException {
        if (unhealthy != null) {
            // An IOException, not a runtime one: Ratis logs it and moves on, but retries a runtime exception
            // from its updater loop forever (seen when a server stops with an unhealthy replica).
            throw new IOException("no snapshot: replica out of service: partition=" + partition + " node=" + nodeId,
                unhealthy);
        }
        final TermIndex applied = getLastAppliedTermIndex();
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        final long hw = highWatermark.offset();
        log.flush(hw);
        final String producerState;
        synchronized (writeLock) {
            producerState = producers.encode(hw);
            checkpointProducers = producerState;
            checkpointProducersOffset = hw;
        }
        writeCheckpoint(applied, hw, producerState, hw);
        snapshotHighWatermark = hw;
        return applied.getIndex();
    }

    /** A small checkpoint file, named by Ratis's term_index scheme: temp file, fsync, atomic rename. */
    private void writeCheckpoint(final TermIndex applied, final long hw, final String producerState,
                                 final long producersCoveredOffset) throws IOException {
        final File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        final File tmp = new File(file.getPath() + ".tmp");
        final String body = "partition=" + partition + "\nappliedTerm=" + applied.getTerm() + "\nappliedIndex="
            + applied.getIndex() + "\nhighWatermark=" + hw + "\nlogStartOffset=" + log.logStartOffset()
            + "\nproducers=" + producerState + "\nproducersCoveredOffset=" + producersCoveredOffset + "\n";
        Files.writeString(tmp.toPath(), body, StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(tmp.toPath(), java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), null), applied));
    }

    /**
     * The offset retention must stay below: data of entries still in the Raft log must stay readable for
     * followers, and the Raft log is purged only up to the latest snapshot.
     *
     * @return the high watermark at the latest snapshot
     */
    public long retentionBound() {
        return snapshotHighWatermark;
    }

    // ---- catch-up: copy the leader's segments instead of replaying purged entries ----------------------------

    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(final RoleInfoProto roleInfo,
                                                                         final TermIndex firstTermIndexInLog) {
        if (catchUpSource == null) {
            LOG.warn("partition={} node={} is behind the leader's log start {} and has no catch-up source",
                partition, nodeId, firstTermIndexInLog);
            return CompletableFuture.completedFuture(null);
        }
        final String leader = roleInfo.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8();
        return io.submit(() -> {
            try {
                return copyFromLeader(leader, firstTermIndexInLog);
            } catch (final IOException | RuntimeException e) {
                LOG.warn("partition={} node={} catch-up from leader={} failed: {}", partition, nodeId, leader,
                    e.toString());
                return null;
            }
        });
    }

    private TermIndex copyFromLeader(final String leader, final TermIndex firstTermIndexInLog) throws IOException {
        synchronized (writeLock) {
            ensureHealthy();
            final CatchUpSource.LeaderState state = catchUpSource.leaderState(leader, partition);
            // Anything above our high watermark may be an uncommitted tail of an older term.
            final long keep = Math.min(highWatermark.offset(), log.logEndOffset());
            if (state.logStartOffset() > keep) {
                log.truncateFullyAndStartAt(state.logStartOffset());
            } else {
                log.truncateTo(keep);
            }
            long copied = 0;
            while (log.logEndOffset() < state.highWatermark()) {
                final ByteBuffer chunk = catchUpSource.fetch(leader, partition, log.logEndOffset(),
                    state.highWatermark(), 4 << 20);
                if (!chunk.hasRemaining()) {
                    throw new IOException("leader=" + leader + " returned nothing at offset=" + log.logEndOffset()
                        + " below its highWatermark=" + state.highWatermark());
                }
                final long base = new RecordBatch().wrap(chunk, chunk.position()).baseOffset();
                if (base != log.logEndOffset()) {
                    throw new IOException("leader batch starts at offset=" + base + ", expected="
                        + log.logEndOffset());
                }
                copied += chunk.remaining();
                // Term and raft index stay as the leader stamped them: -1 leaves them untouched.
                log.append(chunk, -1, -1);
            }
            log.flush(log.logEndOffset());
            final TermIndex applied = TermIndex.valueOf(state.appliedTerm(), state.appliedIndex());
            final long hw = log.offsetOfRaftIndex(state.appliedIndex() + 1);
            // The copied log holds every batch up to the leader's high watermark: its producer state is rebuilt
            // from the log at reinitialize, so the checkpoint carries only what lies below the copy.
            final String producerState = producers.encode(log.logStartOffset());
            writeCheckpoint(applied, hw, producerState, log.logStartOffset());
            snapshotHighWatermark = hw;
            catchUps.incrementAndGet();
            LOG.info("partition={} node={} caught up from leader={}: copied {} bytes, logEndOffset={} applied={} "
                + "(leader log starts at {})", partition, nodeId, leader, copied, log.logEndOffset(), applied,
                firstTermIndexInLog);
            return applied;
        }
    }

    /**
     * This replica's committed state, for a follower copying from it.
     *
     * @return log start, high watermark and last applied entry
     */
    public CatchUpSource.LeaderState committedState() {
        final TermIndex applied = getLastAppliedTermIndex();
        final long hw = highWatermark.offset();
        return new CatchUpSource.LeaderState(log.logStartOffset(), hw, applied == null ? 0 : applied.getTerm(),
            applied == null ? -1 : applied.getIndex());
    }

    private static Properties readCheckpoint(final File file) throws IOException {
        final Properties p = new Properties();
        try (var in = Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)) {
            p.load(in);
        }
        return p;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    // ---- leadership and health ------------------------------------------------------------------------------

    @Override
    public void notifyLeaderChanged(final RaftGroupMemberId groupMemberId, final RaftPeerId newLeaderId) {
        leaderChanges.incrementAndGet();
        leaderReady = false;
        leader = newLeaderId != null && newLeaderId.equals(groupMemberId.getPeerId());
        leaderNodeId = newLeaderId == null ? null : newLeaderId.toString();
        LOG.info("partition={} node={} leader is now {}", partition, nodeId, newLeaderId);
        listener.onLeadershipChange(partition, leaderNodeId, false);
    }

    /**
     * Ratis calls this when it applies the first entry of the leader's term, but {@link #applyTransaction} of the
     * entries before it may still be queued in the serial chain (after a restart, the whole replayed log): going
     * through the chain makes the high watermark a ready leader shows cover every earlier entry. Found by the chaos
     * suite: after every node restarted, the offsets coordinator loaded the committed offsets up to a stale high
     * watermark and answered older offsets than it had acknowledged.
     */
    @Override
    public void notifyLeaderReady() {
        final long change = leaderChanges.get();
        io.submit(() -> {
            if (change != leaderChanges.get() || !leader) {
                return null;
            }
            leaderReady = true;
            LOG.info("partition={} node={} leader ready: highWatermark={}", partition, nodeId,
                highWatermark.offset());
            listener.onLeadershipChange(partition, nodeId, true);
            return null;
        });
    }

    /** @return the leader this replica knows, or null */
    public String leaderNodeId() {
        return leaderNodeId;
    }

    /** @return true while this replica leads its partition (ready or not) */
    public boolean isLeader() {
        return leader;
    }

    @Override
    public void notifyLogFailed(final Throwable cause, final LogEntryProto failedEntry) {
        if (isInterrupt(cause)) {
            // Ratis reports a failed read of entry data for a follower here too. When a leader steps down or
            // stops, it interrupts its appenders, and a read they wait for ends this way: nothing is wrong with
            // this replica's storage (the read ran on Ferry's pool). Taking it out of service for good made a
            // leadership transfer cost a healthy replica (found by ChaosWorkloadTest).
            LOG.info("partition={} node={} read of raft entry {} for a follower interrupted (appender stopped)",
                partition, nodeId, failedEntry == null ? "?" : failedEntry.getIndex());
            return;
        }
        markUnhealthy("raft log failure at " + (failedEntry == null ? "?" : failedEntry.getIndex()), cause);
    }

    private static boolean isInterrupt(final Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    private RuntimeException markUnhealthy(final String what, final Throwable cause) {
        if (unhealthy == null) {
            unhealthy = cause;
            LOG.error("partition={} node={} replica out of service after failed {}: {}", partition, nodeId, what,
                cause.toString());
        }
        if (cause instanceof InvalidBatchException || cause instanceof IllegalArgumentException) {
            return (RuntimeException) cause;
        }
        return new ReplicaUnhealthyException("partition=" + partition + " node=" + nodeId + " failed " + what, cause);
    }

    private void ensureHealthy() {
        final Throwable cause = unhealthy;
        if (cause != null) {
            throw new ReplicaUnhealthyException("replica out of service: partition=" + partition + " node=" + nodeId
                + " after " + cause, cause);
        }
    }

    /** The log belongs to the host's LogManager, which closes it; a removed replica's log is removed there. */
    @Override
    public void close() throws IOException {
        super.close();
    }

    /** @return the partition */
    public PartitionId partition() {
        return partition;
    }

    /** @return the replica's log; readers bound their reads by {@link #highWatermark()} */
    public PartitionLog log() {
        return log;
    }

    /** @return the replica's high watermark */
    public HighWatermark highWatermark() {
        return highWatermark;
    }

    /**
     * The bound readers of this replica use: the high watermark, except on a leader that has not yet applied
     * the first entry of its term, whose high watermark may still lag what the previous leader exposed.
     *
     * @return the offset readers may read below, or -1 while this replica is a leader that is not ready
     */
    public long highWatermarkForReads() {
        return leader && !leaderReady ? -1 : highWatermark.offset();
    }

    /** @return true on a leader whose first entry of its term is applied (its high watermark is current) */
    public boolean isLeaderReady() {
        return leaderReady;
    }

    /** @return how many times this replica caught up by copying its leader's segments */
    public int catchUps() {
        return catchUps.get();
    }

    /** @return true until a storage failure took the replica out of service */
    public boolean isHealthy() {
        return unhealthy == null;
    }
}
