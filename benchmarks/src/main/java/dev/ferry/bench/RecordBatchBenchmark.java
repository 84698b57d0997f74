package dev.ferry.bench;

import dev.ferry.log.record.RecordBatch;
import dev.ferry.log.record.RecordBatchBuilder;
import dev.ferry.log.record.RecordCursor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The per-batch work on the broker's append path (validation: size, CRC32C, record walk), the client's build
 * path, and a full record iteration, for 64 KiB batches. Run:
 * {@code java -cp benchmarks/target/ferry-benchmarks.jar org.openjdk.jmh.Main RecordBatchBenchmark -prof gc}.
 *
 * <p>Not thread-safe (JMH state per thread).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordBatchBenchmark {
    /** Record value size in bytes; batches are filled to 64 KiB. */
    @Param({"100", "1024"})
    public int recordBytes;

    private ByteBuffer batchBytes;
    private ByteBuffer buildBuffer;
    private byte[] value;
    private final RecordBatch batch = new RecordBatch();
    private final RecordCursor cursor = new RecordCursor();

    /** Builds the batch the benchmarks read. */
    @Setup
    public void setUp() {
        value = new byte[recordBytes];
        buildBuffer = ByteBuffer.allocateDirect(64 * 1024);
        batchBytes = build();
    }

    private ByteBuffer build() {
        buildBuffer.clear();
        final RecordBatchBuilder builder = new RecordBatchBuilder(buildBuffer);
        while (builder.hasRoomFor(1L, null, value)) {
            builder.append(1L, null, value);
        }
        return builder.build();
    }

    /** @return the batch size, after validating it as the broker does on append */
    @Benchmark
    public int ensureValid() {
        batch.wrap(batchBytes, 0).ensureValid(1 << 20);
        return batch.sizeInBytes();
    }

    /** @return the built batch, filled to 64 KiB as a producer would */
    @Benchmark
    public ByteBuffer buildBatch() {
        return build();
    }

    /** @return a checksum of offsets, after walking every record as a consumer does */
    @Benchmark
    public long iterateRecords() {
        cursor.reset(batch.wrap(batchBytes, 0));
        long sum = 0;
        while (cursor.next()) {
            sum += cursor.offset() + cursor.valueLength();
        }
        return sum;
    }
}
