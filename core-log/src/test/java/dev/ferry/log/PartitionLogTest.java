package dev.ferry.log;

import dev.ferry.log.record.BatchTooLargeException;
import dev.ferry.log.record.CorruptBatchException;
import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.TimestampAndOffset;
import dev.ferry.log.segment.LogFileNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import static dev.ferry.log.TestBatches.batch;
import static dev.ferry.log.TestBatches.offsetsIn;
import static dev.ferry.log.TestBatches.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionLogTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    private final MockTime time = new MockTime(T0);
    private ScheduledExecutorService scheduler;
    private PartitionLog log;

    @BeforeEach
    void setUp() {
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (log != null) {
            log.close();
        }
        scheduler.shutdownNow();
    }

    private PartitionLog open(final Map<String, ?> overrides) throws IOException {
        log = PartitionLog.open(tmp.resolve("topic-0"), LogConfig.from(overrides), time, scheduler);
        return log;
    }

    private PartitionLog reopen(final Map<String, ?> overrides) throws IOException {
        log.close();
        return open(overrides);
    }

    private static List<Long> range(final long from, final long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toList());
    }

    @Test
    void shouldAssignContiguousOffsetsAndReadEveryRecordBack() throws IOException {
        open(Map.of());
        final LogAppendInfo first = log.append(batch(10, 100, T0));
        final LogAppendInfo second = log.append(batch(5, 100, T0));

        assertThat(first.firstOffset()).isZero();
        assertThat(first.lastOffset()).isEqualTo(9);
        assertThat(second.firstOffset()).isEqualTo(10);
        assertThat(second.lastOffset()).isEqualTo(14);
        assertThat(log.logEndOffset()).isEqualTo(15);
        assertThat(readAll(log, 0)).isEqualTo(range(0, 15));
    }

    @Test
    void shouldAppendSeveralBatchesInOneCallAndStampTermAndRaftIndex() throws IOException {
        open(Map.of());
        final LogAppendInfo info = log.append(TestBatches.concat(batch(3, 10, T0), batch(4, 10, T0)), 7, 42);

        assertThat(info.batchCount()).isEqualTo(2);
        assertThat(info.lastOffset()).isEqualTo(6);
        assertThat(log.lastTermAndRaftIndex()).containsExactly(7, 42);
        final LogReadSlice slice = log.read(0, 1 << 20, Long.MAX_VALUE);
        final ByteBuffer bytes = ByteBuffer.allocate(slice.sizeInBytes());
        slice.readInto(bytes);
        final RecordBatch second = new RecordBatch().wrap(bytes.flip(), RecordBatch.sizeAt(bytes, 0));
        assertThat(second.baseOffset()).isEqualTo(3);
        assertThat(second.leaderTerm()).isEqualTo(7);
        assertThat(second.raftIndex()).isEqualTo(42);
        second.ensureValid(Integer.MAX_VALUE);
    }

    @Test
    void shouldBoundReadsByUpperBoundAndMaxBytesButAlwaysReturnOneWholeBatch() throws IOException {
        open(Map.of(LogConfig.INDEX_INTERVAL_BYTES, 0));
        for (int i = 0; i < 10; i++) {
            log.append(batch(10, 100, T0));
        }
        final int batchSize = log.read(0, 1, 100).sizeInBytes();

        assertThat(offsetsIn(log.read(0, 1, 100))).isEqualTo(range(0, 10));
        assertThat(offsetsIn(log.read(0, batchSize * 3 + 5, 100))).isEqualTo(range(0, 30));
        assertThat(offsetsIn(log.read(25, batchSize * 2, 100))).isEqualTo(range(20, 40));
        assertThat(offsetsIn(log.read(0, 1 << 20, 50))).isEqualTo(range(0, 50));
        assertThat(log.read(0, 1 << 20, 50).nextOffset()).isEqualTo(50);
        // A bound inside a batch excludes that whole batch: a consumer never sees a record at or above it.
        assertThat(offsetsIn(log.read(0, 1 << 20, 55))).isEqualTo(range(0, 50));
        assertThat(log.read(50, 1 << 20, 55).isEmpty()).isTrue();
        assertThat(log.read(100, 1 << 20, Long.MAX_VALUE)).isSameAs(LogReadSlice.EMPTY);
    }

    @Test
    void shouldRefuseReadsOutsideTheLogWithTheRangeInTheMessage() throws IOException {
        open(Map.of());
        log.append(batch(10, 10, T0));
        assertThatThrownBy(() -> log.read(11, 100, Long.MAX_VALUE))
            .isInstanceOf(OffsetOutOfRangeException.class)
            .hasMessage("offset out of range: partition=topic-0 requestedOffset=11 logStartOffset=0 logEndOffset=10");
        assertThatThrownBy(() -> log.read(-1, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void shouldRollAtSegmentBytesAndNameSegmentsByBaseOffset() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0));
        }
        assertThat(log.segmentCount()).isGreaterThan(5);
        for (final long base : log.segmentBaseOffsets()) {
            assertThat(LogFileNames.logFile(log.dir(), base)).exists();
            assertThat(Files.size(LogFileNames.logFile(log.dir(), base))).isLessThanOrEqualTo(4096);
        }
        assertThat(LogFileNames.logFile(log.dir(), 0).getFileName().toString())
            .isEqualTo("00000000000000000000.log");
        assertThat(readAll(log, 0)).isEqualTo(range(0, 200));
        assertThat(readAll(log, 137)).isEqualTo(range(137, 200));
    }

    @Test
    void shouldApplyAnUpdatedConfigToTheNextRollAndAppend() throws IOException {
        open(Map.of());
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0));
        }
        assertThat(log.segmentCount()).isEqualTo(1);

        final LogConfig smaller = log.config().with(Map.of(LogConfig.SEGMENT_BYTES, 4096,
            LogConfig.MAX_BATCH_BYTES, 512));
        assertThat(smaller).isNotEqualTo(log.config()).isEqualTo(LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES,
            4096, LogConfig.MAX_BATCH_BYTES, 512)));
        log.updateConfig(smaller);

        assertThatThrownBy(() -> log.append(batch(10, 100, T0))).isInstanceOf(BatchTooLargeException.class);
        for (int i = 0; i < 20; i++) {
            log.append(batch(2, 100, T0));
        }
        assertThat(log.segmentCount()).isGreaterThan(2);
        assertThat(readAll(log, 0)).isEqualTo(range(0, 240));
    }

    @Test
    void shouldRollAtSegmentMsByBatchTimestamps() throws IOException {
        open(Map.of(LogConfig.SEGMENT_MS, 1000));
        log.append(batch(1, 10, T0));
        log.append(batch(1, 10, T0 + 500));
        assertThat(log.segmentCount()).isEqualTo(1);
        log.append(batch(1, 10, T0 + 1500));
        assertThat(log.segmentBaseOffsets()).containsExactly(0L, 2L);
    }

    @Test
    void shouldTruncateAcrossSegmentBoundariesAndContinueAtTheRightOffset() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096, LogConfig.INDEX_INTERVAL_BYTES, 0));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0));
        }
        final int segmentsBefore = log.segmentCount();

        assertThat(log.truncateTo(95)).isEqualTo(90);
        assertThat(log.segmentCount()).isLessThan(segmentsBefore);
        assertThat(readAll(log, 0)).isEqualTo(range(0, 90));
        assertThat(log.append(batch(3, 100, T0)).firstOffset()).isEqualTo(90);
        assertThat(readAll(log, 80)).isEqualTo(range(80, 93));

        assertThat(log.truncateTo(0)).isZero();
        assertThat(log.logEndOffset()).isZero();
        assertThat(log.append(batch(2, 10, T0)).firstOffset()).isZero();
        assertThat(readAll(log, 0)).isEqualTo(range(0, 2));
    }

    @Test
    void shouldKeepTruncationAcrossReopen() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0));
        }
        log.truncateTo(120);
        reopen(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        assertThat(log.logEndOffset()).isEqualTo(120);
        assertThat(readAll(log, 0)).isEqualTo(range(0, 120));
    }

    @Test
    void shouldCutExactlyTheBatchesOfTruncatedRaftIndexes() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        long raftIndex = 1;
        for (int i = 0; i < 30; i++) {
            // Two producer batches coalesced into one Raft entry share its index.
            log.append(TestBatches.concat(batch(2, 100, T0), batch(3, 100, T0)), 1, raftIndex++);
        }
        assertThat(log.offsetOfRaftIndex(11)).isEqualTo(50);
        assertThat(log.truncateToRaftIndex(11)).isEqualTo(50);
        assertThat(log.lastTermAndRaftIndex()).containsExactly(1, 10);
        assertThat(log.offsetOfRaftIndex(99)).isEqualTo(50);
        assertThat(log.truncateToRaftIndex(1)).isZero();
        assertThat(log.lastTermAndRaftIndex()).isNull();
    }

    @Test
    void shouldFindTheFirstOffsetAtOrAfterATimestamp() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096, LogConfig.INDEX_INTERVAL_BYTES, 0));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0 + i * 100L));
        }
        // Batch i holds offsets 10i..10i+9 with timestamps T0 + 100i + r.
        assertThat(log.offsetForTimestamp(T0)).isZero();
        assertThat(log.offsetForTimestamp(T0 + 503)).isEqualTo(53);
        assertThat(log.offsetForTimestamp(T0 + 1909)).isEqualTo(199);
        assertThat(log.offsetForTimestamp(T0 + 5000)).isEqualTo(-1);
        assertThat(log.offsetForTimestamp(0)).isZero();
        // The record's own timestamp comes back with it, not the one asked for.
        assertThat(log.findByTimestamp(T0 + 503)).isEqualTo(new TimestampAndOffset(T0 + 503, 53));
        assertThat(log.findByTimestamp(T0 + 10 + 1)).isEqualTo(new TimestampAndOffset(T0 + 100, 10));
        assertThat(log.findByTimestamp(0)).isEqualTo(new TimestampAndOffset(T0, 0));
        assertThat(log.findByTimestamp(T0 + 5000)).isNull();
    }

    @Test
    void shouldDeleteRecordsBeforeAnOffsetDurably() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0));
        }
        log.deleteRecordsBefore(105);
        assertThat(log.logStartOffset()).isEqualTo(105);
        assertThat(log.segmentBaseOffsets().get(0)).isLessThanOrEqualTo(105);
        assertThatThrownBy(() -> log.read(104, 100, Long.MAX_VALUE)).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(readAll(log, 105)).isEqualTo(range(105, 200));
        assertThat(log.offsetForTimestamp(0)).isEqualTo(105);
        // Records below the log start are gone even where their batch remains.
        assertThat(log.findByTimestamp(T0 + 2)).isEqualTo(new TimestampAndOffset(T0 + 5, 105));
        assertThat(log.findByTimestamp(T0 + 7)).isEqualTo(new TimestampAndOffset(T0 + 7, 107));

        reopen(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        assertThat(log.logStartOffset()).isEqualTo(105);
        log.deleteRecordsBefore(200);
        assertThat(log.logStartOffset()).isEqualTo(200);
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(200);
        assertThatThrownBy(() -> log.deleteRecordsBefore(500)).isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void shouldRejectBadBatchesAndLeaveTheLogUnchanged() throws IOException {
        open(Map.of(LogConfig.MAX_BATCH_BYTES, 2048));
        log.append(batch(5, 10, T0));
        final long sizeBefore = log.sizeInBytes();

        final ByteBuffer corrupt = batch(5, 10, T0);
        corrupt.put(corrupt.limit() - 1, (byte) (corrupt.get(corrupt.limit() - 1) ^ 1));
        assertThatThrownBy(() -> log.append(TestBatches.concat(batch(1, 10, T0), corrupt)))
            .isInstanceOf(CorruptBatchException.class).hasMessageContaining("CRC mismatch");
        assertThatThrownBy(() -> log.append(batch(50, 100, T0)))
            .isInstanceOf(BatchTooLargeException.class).hasMessageContaining("max.batch.bytes=2048");
        final ByteBuffer truncated = batch(5, 10, T0);
        truncated.limit(truncated.limit() - 3);
        assertThatThrownBy(() -> log.append(truncated)).isInstanceOf(CorruptBatchException.class);
        final ByteBuffer trailing = ByteBuffer.allocate(batch(1, 10, T0).remaining() + 5);
        trailing.put(batch(1, 10, T0)).put(new byte[5]).flip();
        assertThatThrownBy(() -> log.append(trailing)).isInstanceOf(CorruptBatchException.class);

        assertThat(log.logEndOffset()).isEqualTo(5);
        assertThat(log.sizeInBytes()).isEqualTo(sizeBefore);
        assertThat(readAll(log, 0)).isEqualTo(range(0, 5));
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(5);
    }

    @Test
    void shouldReopenCleanlyWithTheSameContentAndSkipRecovery() throws IOException {
        open(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        for (int i = 0; i < 20; i++) {
            log.append(batch(10, 100, T0 + i));
        }
        reopen(Map.of(LogConfig.SEGMENT_BYTES, 4096));
        assertThat(log.logEndOffset()).isEqualTo(200);
        assertThat(log.recoveryPoint()).isEqualTo(200);
        assertThat(Files.exists(log.dir().resolve(".clean-shutdown"))).isFalse();
        assertThat(readAll(log, 0)).isEqualTo(range(0, 200));
        // Batch i holds timestamps T0 + i .. T0 + i + 9, so T0 + 15 is first reached by the last record of batch 6.
        assertThat(log.offsetForTimestamp(T0 + 15)).isEqualTo(69);
        assertThat(log.append(batch(1, 10, T0)).firstOffset()).isEqualTo(200);
    }

    @Test
    void shouldFlushByMessageCountAndByRequest() throws IOException {
        open(Map.of(LogConfig.FLUSH_MESSAGES, 20));
        log.append(batch(10, 10, T0));
        assertThat(log.recoveryPoint()).isZero();
        log.append(batch(10, 10, T0));
        assertThat(log.recoveryPoint()).isEqualTo(20);
        log.append(batch(5, 10, T0));
        log.flush(21);
        assertThat(log.recoveryPoint()).isEqualTo(25);
        log.checkpoint();
        assertThat(PartitionCheckpoint.read(log.dir())).isEqualTo(new PartitionCheckpoint(25, 0));
    }

    @Test
    void shouldFlushByTime() throws IOException {
        open(Map.of(LogConfig.FLUSH_MS, 1000));
        log.append(batch(10, 10, T0));
        log.maybeFlushByTime();
        assertThat(log.recoveryPoint()).isZero();
        time.sleep(1000);
        log.maybeFlushByTime();
        assertThat(log.recoveryPoint()).isEqualTo(10);
    }

    @Test
    void shouldSendSlicesZeroCopyToASocket() throws Exception {
        open(Map.of(LogConfig.SEGMENT_BYTES, 8192));
        for (int i = 0; i < 30; i++) {
            log.append(batch(10, 100, T0));
        }
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel out = SocketChannel.open(server.getLocalAddress());
             SocketChannel in = server.accept()) {
            long next = 0;
            long sent = 0;
            while (next < log.logEndOffset()) {
                final LogReadSlice slice = log.read(next, 3000, log.logEndOffset());
                sent += slice.writeTo(out);
                next = slice.nextOffset();
            }
            out.shutdownOutput();
            final ByteBuffer received = ByteBuffer.allocate((int) sent);
            while (received.hasRemaining() && in.read(received) >= 0) {
                assertThat(received.position()).isLessThanOrEqualTo((int) sent);
            }
            received.flip();
            final RecordBatch batch = new RecordBatch();
            long expected = 0;
            for (int pos = 0; pos < received.limit(); pos += batch.sizeInBytes()) {
                batch.wrap(received, pos).ensureValid(Integer.MAX_VALUE);
                assertThat(batch.baseOffset()).isEqualTo(expected);
                expected = batch.nextOffset();
            }
            assertThat(expected).isEqualTo(300);
            assertThat(sent).isEqualTo(log.sizeInBytes());
        }
    }

    @Test
    void shouldNotCopyBatchBytesIntoTheHeapWhenSendingSlices() throws Exception {
        open(Map.of(LogConfig.SEGMENT_BYTES, 16 << 20));
        final ByteBuffer batch = batch(60, 1000, T0);
        while (log.sizeInBytes() < (64 << 20)) {
            log.append(batch);
        }
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel out = SocketChannel.open(server.getLocalAddress());
             SocketChannel in = server.accept()) {
            final Thread drain = new Thread(() -> {
                final ByteBuffer sink = ByteBuffer.allocateDirect(1 << 20);
                try {
                    while (in.read(sink.clear()) >= 0) {
                        assertThat(sink.position()).isNotNegative();
                    }
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            drain.start();
            sendAll(out);
            final long before = threads.getCurrentThreadAllocatedBytes();
            final long sent = sendAll(out);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            out.shutdownOutput();
            drain.join(60_000);
            final double perMb = allocated / (sent / 1e6);
            System.out.printf("zero-copy read: %d bytes sent, %d bytes allocated on the heap (%.1f per MB)%n",
                sent, allocated, perMb);
            // One small slice object per 1 MiB read; a copy of the batches would be a million bytes per MB.
            assertThat(perMb).isLessThan(1024);
        }
    }

    private long sendAll(final SocketChannel out) throws IOException {
        long next = 0;
        long sent = 0;
        while (next < log.logEndOffset()) {
            final LogReadSlice slice = log.read(next, 1 << 20, log.logEndOffset());
            sent += slice.writeTo(out);
            next = slice.nextOffset();
        }
        return sent;
    }

    @Test
    void shouldRejectUnknownOrOutOfRangeConfigNamingTheKey() {
        assertThatThrownBy(() -> LogConfig.from(Map.of("segment.byte", 10)))
            .isInstanceOf(ConfigException.class).hasMessageStartingWith("unknown log config key=segment.byte");
        assertThatThrownBy(() -> LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 3L << 30)))
            .isInstanceOf(ConfigException.class)
            .hasMessageStartingWith("invalid value for segment.bytes: value=3221225472 is out of range [128, ");
        assertThatThrownBy(() -> LogConfig.from(Map.of(LogConfig.RETENTION_MS, "soon")))
            .isInstanceOf(ConfigException.class).hasMessageContaining("value=soon is not an integer");
        assertThat(LogConfig.from(Map.of(LogConfig.RETENTION_MS, "-1")).retentionMs()).isEqualTo(-1);
    }
}
