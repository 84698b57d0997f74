package dev.ferry.log.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.util.Native;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xerial.snappy.Snappy;

/**
 * The codecs' native libraries load on the build machine: zstd-jni and snappy-java have no pure-Java
 * fallback, so a platform without their bundled library would fail every compressed read.
 */
class CompressionNativeLibrariesTest {

    private static final Logger LOG = LoggerFactory.getLogger(CompressionNativeLibrariesTest.class);

    @Test
    void shouldLoadTheNativeCodecLibraries() throws Exception {
        Native.load();
        assertThat(Native.isLoaded()).isTrue();
        final String snappyVersion = Snappy.getNativeLibraryVersion();
        assertThat(snappyVersion).isNotBlank();
        final LZ4Factory lz4 = LZ4Factory.nativeInstance();
        assertThat(lz4.fastCompressor()).isNotNull();
        // Round trip through the native zstd code, not just the loader.
        final byte[] compressed = Zstd.compress(new byte[1024]);
        assertThat(Zstd.decompress(compressed, 1024)).hasSize(1024);
        LOG.info("codec native libraries loaded: os={} arch={} zstdLoaded={} snappy={} lz4Fastest={}",
            System.getProperty("os.name"), System.getProperty("os.arch"), Native.isLoaded(), snappyVersion,
            LZ4Factory.fastestInstance());
    }
}
