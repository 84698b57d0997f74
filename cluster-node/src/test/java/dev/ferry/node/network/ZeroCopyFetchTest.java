package dev.ferry.node.network;

import dev.ferry.client.network.ClientResponse;
import dev.ferry.client.network.FerryConnection;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.FetchPartition;
import dev.ferry.client.protocol.proto.FetchPartitionResult;
import dev.ferry.client.protocol.proto.FetchRequest;
import dev.ferry.client.protocol.proto.FetchResponse;
import dev.ferry.log.LogConfig;
import dev.ferry.log.LogReadSlice;
import dev.ferry.log.MockTime;
import dev.ferry.log.PartitionLog;
import dev.ferry.log.TestBatches;
import dev.ferry.log.record.RecordBatch;
import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.ferry.node.network.NetworkTestSupport.TIMEOUT_MS;
import static dev.ferry.node.network.NetworkTestSupport.connect;
import static dev.ferry.node.network.NetworkTestSupport.localConfig;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fetched records go from the segment files to the socket without passing through the heap: a client reads
 * 64 MiB through a real server whose FETCH handler answers with {@link LogReadSlice}s, and the server's
 * event-loop threads must allocate only a few bytes of heap per MB sent (a copy would be a million).
 */
class ZeroCopyFetchTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final int FETCH_BYTES = 1 << 20;
    private static final long LOG_BYTES = 64L << 20;

    @TempDir
    Path tmp;

    private ScheduledExecutorService scheduler;
    private PartitionLog log;
    private FerryServer server;

    @BeforeEach
    void setUp() throws Exception {
        scheduler = Executors.newSingleThreadScheduledExecutor();
        log = PartitionLog.open(tmp.resolve("topic-0"), LogConfig.from(Map.of(LogConfig.SEGMENT_BYTES, 16 << 20)),
            new MockTime(T0), scheduler);
        final ByteBuffer batch = TestBatches.batch(60, 1000, T0);
        while (log.sizeInBytes() < LOG_BYTES) {
            log.append(batch.duplicate());
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        log.close();
        scheduler.shutdownNow();
    }

    /** A FETCH handler for one partition: the slice from the requested offset, as the node's will answer. */
    private CompletableFuture<Response> fetch(final Request request) {
        final FetchPartition wanted = request.body(FetchRequest.parser()).getPartitions(0);
        final LogReadSlice slice = log.read(wanted.getFetchOffset(), wanted.getPartitionMaxBytes(),
            log.logEndOffset());
        final FetchResponse body = FetchResponse.newBuilder().addResults(FetchPartitionResult.newBuilder()
            .setTopic(wanted.getTopic()).setPartition(wanted.getPartition()).setHighWatermark(log.logEndOffset())
            .setLogStartOffset(log.logStartOffset()).setRecordsBytes(slice.sizeInBytes())
            .setNextOffset(slice.nextOffset())).build();
        return CompletableFuture.completedFuture(slice.isEmpty() ? Response.of(body)
            : Response.withSlices(body, List.of(slice)));
    }

    @ParameterizedTest(name = "epoll allowed: {0}")
    @ValueSource(booleans = {true, false})
    void shouldSendFetchedRecordsWithoutCopyingThemIntoTheServersHeap(final boolean allowEpoll) throws Exception {
        server = new FerryServer(localConfig().withIoThreads(1), Map.of(ApiKey.FETCH, this::fetch),
            RequestObserver.NONE, "zc", allowEpoll).start();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        // Paranoid leak tracking (this module's test setting) records a stack trace per buffer access, about
        // 45 KB per MB here: instrumentation, not the server's path, so it is off while measuring.
        final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try (FerryConnection connection = connect(server)) {
            // Warm up the connection, the handler and the buffer pools first.
            fetchAll(connection, 8L << 20);
            final long[] loopThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("ferry-net-io-zc")).mapToLong(Thread::getId).toArray();
            assertThat(loopThreads).as("the server's event-loop thread").hasSize(1);
            final long before = sum(threads.getThreadAllocatedBytes(loopThreads));
            final long fetched = fetchAll(connection, Long.MAX_VALUE);
            final long allocated = sum(threads.getThreadAllocatedBytes(loopThreads)) - before;
            final double perMb = allocated / (fetched / 1e6);
            final String figure = String.format("transport=%s: %d bytes fetched, %d bytes allocated on the heap by "
                + "the server's event loop (%.1f per MB)", server.transport(), fetched, allocated, perMb);
            System.out.println("zero-copy fetch: " + figure);
            assertThat(fetched).isGreaterThanOrEqualTo(LOG_BYTES);
            // Request parsing, the response's protobuf and a region object per 1 MiB fetch: about 2.5 KB measured;
            // a copy of the records would be 1,000,000 per MB.
            assertThat(perMb).as(figure).isLessThan(8 * 1024);
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    /** Fetches from offset 0 until the log end (or {@code limitBytes}), checking every batch's CRC and offset. */
    private long fetchAll(final FerryConnection connection, final long limitBytes) throws Exception {
        long next = 0;
        long bytes = 0;
        final RecordBatch batch = new RecordBatch();
        while (next < log.logEndOffset() && bytes < limitBytes) {
            final FetchRequest request = FetchRequest.newBuilder().setMaxBytes(FETCH_BYTES).addPartitions(
                FetchPartition.newBuilder().setTopic("topic").setPartition(0).setFetchOffset(next)
                    .setPartitionMaxBytes(FETCH_BYTES)).build();
            try (ClientResponse response = connection.send(ApiKey.FETCH, request, null, TIMEOUT_MS)
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                assertThat(response.error()).isEqualTo(ErrorCode.NONE);
                final FetchPartitionResult result = response.body(FetchResponse.parser()).getResults(0);
                final ByteBuf records = response.records();
                assertThat(records.readableBytes()).isEqualTo(result.getRecordsBytes()).isPositive();
                final ByteBuffer buffer = records.nioBuffer();
                for (int pos = 0; pos < buffer.limit(); pos += batch.sizeInBytes()) {
                    batch.wrap(buffer, pos).ensureValid(Integer.MAX_VALUE);
                    assertThat(batch.baseOffset()).as("batch at byte %d", bytes + pos).isEqualTo(next);
                    next = batch.nextOffset();
                }
                assertThat(next).isEqualTo(result.getNextOffset());
                bytes += records.readableBytes();
            }
        }
        return bytes;
    }

    private static long sum(final long[] values) {
        long total = 0;
        for (final long v : values) {
            total += v;
        }
        return total;
    }
}
