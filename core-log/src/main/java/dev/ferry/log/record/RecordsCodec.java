package dev.ferry.log.record;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.xerial.snappy.Snappy;

/**
 * The one place that calls the compression libraries, so that the builder and the cursor share one
 * definition of each codec's bytes (FORMAT.md, "Compressed records section"). Works on byte arrays
 * because that is the one entry point all three libraries offer for heap and copied direct memory alike.
 * Each codec's classes are loaded on first use, so readers of uncompressed batches never load a native
 * library.
 *
 * <p>Thread-safe (stateless; the LZ4 compressor and decompressor are thread-safe).
 */
final class RecordsCodec {

    /** Kafka's default zstd level: most of the ratio of higher levels at a fraction of their CPU. */
    private static final int ZSTD_LEVEL = 3;
    /** Bytes of the content checksum a zstd frame ends with. */
    private static final int ZSTD_CHECKSUM_SIZE = 4;
    private static final int ZSTD_BLOCK_SIZE = 128 << 10;
    private static final int ZSTD_SMALL_SOURCE_SHIFT = 11;
    private static final int ZSTD_GROWTH_SHIFT = 8;
    private static final int LZ4_GROWTH_DIVISOR = 255;
    private static final int LZ4_BOUND_SLACK = 16;
    private static final int SNAPPY_GROWTH_DIVISOR = 6;
    private static final int SNAPPY_BOUND_SLACK = 32;

    private RecordsCodec() {
    }

    /** LZ4 block codec, JNI when it loads and the (CVE-fixed) safe Java implementation otherwise. */
    private static final class Lz4 {
        private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
        private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
        private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

        private Lz4() {
        }
    }

    /**
     * Returns the largest compressed size of {@code sourceLength} bytes: the libraries' worst-case bounds
     * (LZ4_COMPRESSBOUND, ZSTD_COMPRESSBOUND, snappy's MaxCompressedLength), computed here without a JNI call
     * because the builder asks on every append.
     *
     * @param type a codec other than NONE.
     * @param sourceLength the uncompressed length.
     * @return the bound in bytes (a long, so that it cannot overflow).
     */
    static long maxCompressedLength(final CompressionType type, final long sourceLength) {
        switch (type) {
            case LZ4:
                return sourceLength + sourceLength / LZ4_GROWTH_DIVISOR + LZ4_BOUND_SLACK;
            case ZSTD:
                final long smallSourceMargin = sourceLength < ZSTD_BLOCK_SIZE
                    ? (ZSTD_BLOCK_SIZE - sourceLength) >> ZSTD_SMALL_SOURCE_SHIFT : 0;
                return sourceLength + (sourceLength >> ZSTD_GROWTH_SHIFT) + smallSourceMargin + ZSTD_CHECKSUM_SIZE;
            case SNAPPY:
                return SNAPPY_BOUND_SLACK + sourceLength + sourceLength / SNAPPY_GROWTH_DIVISOR;
            default:
                return sourceLength;
        }
    }

    /**
     * Compresses bytes the builder wrote itself, so a failure is a bug or a too small target, never bad input.
     *
     * @return the compressed length.
     * @throws IllegalStateException if the library fails.
     */
    static int compress(final CompressionType type, final byte[] source, final int sourceOffset,
                        final int sourceLength, final byte[] target, final int targetOffset, final int targetLength) {
        try {
            switch (type) {
                case LZ4:
                    return Lz4.COMPRESSOR.compress(source, sourceOffset, sourceLength, target, targetOffset,
                        targetLength);
                case ZSTD:
                    // With the frame's content checksum, zstd itself detects damaged payloads (LZ4 and snappy
                    // blocks carry none; there the record walk after decompression catches what it can).
                    final long result = Zstd.compressByteArray(target, targetOffset, targetLength, source, sourceOffset,
                        sourceLength, ZSTD_LEVEL, true);
                    if (Zstd.isError(result)) {
                        throw new IllegalStateException("zstd compression failed: " + Zstd.getErrorName(result));
                    }
                    return (int) result;
                case SNAPPY:
                    if (Snappy.maxCompressedLength(sourceLength) > targetLength) {
                        throw new IllegalStateException("no room for snappy output: targetLength=" + targetLength);
                    }
                    return Snappy.compress(source, sourceOffset, sourceLength, target, targetOffset);
                default:
                    throw new IllegalArgumentException("not a compression codec: " + type);
            }
        } catch (final IOException | LZ4Exception | ZstdException e) {
            throw new IllegalStateException("compression failed: compression=" + type + ", sourceLength="
                + sourceLength + ", targetLength=" + targetLength, e);
        }
    }

    /**
     * Decompresses an untrusted records section into {@code target[0, uncompressedSize)}; the target holds at
     * least {@code uncompressedSize} bytes. The codec must produce exactly {@code uncompressedSize} bytes.
     *
     * @throws CorruptBatchException naming the batch's base offset and codec if the payload is damaged or
     *     decompresses to another size.
     */
    static void decompress(final CompressionType type, final byte[] source, final int sourceOffset,
                           final int sourceLength, final byte[] target, final int uncompressedSize,
                           final long batchBaseOffset) {
        final long produced;
        try {
            switch (type) {
                case LZ4:
                    produced = Lz4.DECOMPRESSOR.decompress(source, sourceOffset, sourceLength, target, 0,
                        uncompressedSize);
                    break;
                case ZSTD:
                    final long result = Zstd.decompressByteArray(target, 0, uncompressedSize, source, sourceOffset,
                        sourceLength);
                    if (Zstd.isError(result)) {
                        throw corrupt(type, batchBaseOffset, Zstd.getErrorName(result), null);
                    }
                    produced = result;
                    break;
                case SNAPPY:
                    // snappy writes as many bytes as its own length preamble says, so check that first.
                    final int declared = Snappy.uncompressedLength(source, sourceOffset, sourceLength);
                    if (declared != uncompressedSize) {
                        throw corrupt(type, batchBaseOffset, "snappy length " + declared + " != uncompressedSize "
                            + uncompressedSize, null);
                    }
                    produced = Snappy.uncompress(source, sourceOffset, sourceLength, target, 0);
                    break;
                default:
                    throw new IllegalArgumentException("not a compression codec: " + type);
            }
        } catch (final IOException | LZ4Exception | ZstdException e) {
            throw corrupt(type, batchBaseOffset, String.valueOf(e.getMessage()), e);
        }
        if (produced != uncompressedSize) {
            throw corrupt(type, batchBaseOffset, "decompressed " + produced + " bytes, uncompressedSize "
                + uncompressedSize, null);
        }
    }

    private static CorruptBatchException corrupt(final CompressionType type, final long batchBaseOffset,
                                                 final String problem, final Exception cause) {
        return new CorruptBatchException("corrupt compressed records: compression=" + type + ", batchBaseOffset="
            + batchBaseOffset + ", problem=" + problem, cause);
    }
}
