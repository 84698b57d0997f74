package dev.ferry.log.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(10)
class TimeIndexTest {
    private static final long BASE = 1000;
    private static final int MAX_BYTES = 1200;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000001000.timeindex");
    }

    private TimeIndex writableWith3Entries() throws IOException {
        final TimeIndex index = TimeIndex.open(file(), BASE, MAX_BYTES, true);
        index.maybeAppend(10_000, 1005);
        index.maybeAppend(20_000, 1010);
        index.maybeAppend(30_000, 1020);
        return index;
    }

    @Test
    void shouldDescribeEmptyIndex() throws IOException {
        final TimeIndex index = TimeIndex.open(file(), BASE, 25, true);

        assertThat(Files.size(file())).isEqualTo(24);
        assertThat(index.maxEntries()).isEqualTo(2);
        assertThat(index.lastTimestamp()).isEqualTo(-1);
        assertThat(index.lastOffset()).isEqualTo(BASE);
        assertThat(index.lookupOffsetBefore(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void shouldLookUpOffsetBeforeTimestamp() throws IOException {
        final TimeIndex index = writableWith3Entries();

        assertThat(index.lookupOffsetBefore(Long.MIN_VALUE)).isEqualTo(-1);
        assertThat(index.lookupOffsetBefore(5_000)).isEqualTo(-1);
        assertThat(index.lookupOffsetBefore(10_000)).isEqualTo(-1);
        assertThat(index.lookupOffsetBefore(10_001)).isEqualTo(1005);
        assertThat(index.lookupOffsetBefore(20_000)).isEqualTo(1005);
        assertThat(index.lookupOffsetBefore(25_000)).isEqualTo(1010);
        assertThat(index.lookupOffsetBefore(Long.MAX_VALUE)).isEqualTo(1020);
        assertThat(index.lastTimestamp()).isEqualTo(30_000);
        assertThat(index.lastOffset()).isEqualTo(1020);
        assertThat(index.timestampAt(1)).isEqualTo(20_000);
        assertThat(index.offsetAt(1)).isEqualTo(1010);
    }

    @Test
    void shouldAppendOnlyWhenTimestampAndOffsetBothGrow() throws IOException {
        final TimeIndex index = TimeIndex.open(file(), BASE, MAX_BYTES, true);
        index.maybeAppend(-1, BASE);
        assertThat(index.entries()).isZero();

        index.maybeAppend(0, BASE);
        index.maybeAppend(0, BASE + 3);
        index.maybeAppend(5, BASE);
        index.maybeAppend(7, BASE + 4);

        assertThat(index.entries()).isEqualTo(2);
        assertThat(index.timestampAt(0)).isZero();
        assertThat(index.offsetAt(0)).isEqualTo(BASE);
        assertThat(index.timestampAt(1)).isEqualTo(7);
        assertThat(index.offsetAt(1)).isEqualTo(BASE + 4);
    }

    @Test
    void shouldRejectDecreasingOffsetWithBothValuesInMessage() throws IOException {
        final TimeIndex index = writableWith3Entries();

        assertThatThrownBy(() -> index.maybeAppend(40_000, 1019))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=1019 lastOffset=1020");
        assertThatThrownBy(() -> index.maybeAppend(40_000, BASE - 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=999 lastOffset=1020");
    }

    @Test
    void shouldThrowOnFullIndexOnlyWhenAppending() throws IOException {
        final TimeIndex index = TimeIndex.open(file(), BASE, 24, true);
        index.maybeAppend(10, 1001);
        index.maybeAppend(20, 1002);

        index.maybeAppend(15, 1003);
        assertThatThrownBy(() -> index.maybeAppend(30, 1003))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("index is full: entries=2 maxEntries=2");
    }

    @Test
    void shouldTruncateInTheMiddleAtStartAndPastEnd() throws IOException {
        final TimeIndex index = writableWith3Entries();

        index.truncateTo(1021);
        assertThat(index.entries()).isEqualTo(3);

        index.truncateTo(1011);
        assertThat(index.entries()).isEqualTo(2);
        assertThat(index.lastOffset()).isEqualTo(1010);
        assertThat(index.lastTimestamp()).isEqualTo(20_000);

        index.truncateTo(1010);
        assertThat(index.entries()).isEqualTo(1);

        index.truncateTo(BASE);
        assertThat(index.entries()).isZero();
        assertThat(index.lastTimestamp()).isEqualTo(-1);
        index.maybeAppend(1, 1001);
        assertThat(index.lookupOffsetBefore(2)).isEqualTo(1001);
    }

    @Test
    void shouldRestoreTheSameEntriesAfterTrimAndReopen() throws IOException {
        writableWith3Entries().trimToValidSize();
        assertThat(Files.size(file())).isEqualTo(36);

        final TimeIndex readOnly = TimeIndex.open(file(), BASE, MAX_BYTES, false);
        assertThat(readOnly.entries()).isEqualTo(3);
        assertThat(readOnly.lookupOffsetBefore(25_000)).isEqualTo(1010);
        readOnly.sanityCheck(0);
    }

    @Test
    void shouldRecoverEntryCountOfPreallocatedFileAfterCrash() throws IOException {
        final TimeIndex index = writableWith3Entries();
        index.truncateTo(1020);
        index.maybeAppend(25_000, 1015);

        final TimeIndex reopened = TimeIndex.open(file(), BASE, MAX_BYTES, true);

        assertThat(Files.size(file())).isEqualTo(MAX_BYTES);
        assertThat(reopened.entries()).isEqualTo(3);
        assertThat(reopened.lastTimestamp()).isEqualTo(25_000);
        assertThat(reopened.lastOffset()).isEqualTo(1015);
    }

    @Test
    void sanityCheckShouldRejectLengthNotMultipleOfEntrySize() throws IOException {
        Files.write(file(), new byte[30]);
        final TimeIndex index = TimeIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(0))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("file=" + file())
            .hasMessageContaining("lengthBytes=30 entrySizeBytes=12");
    }

    @Test
    void sanityCheckShouldRejectDecreasingOffsets() throws IOException {
        writeEntries(file(), 100, 5, 200, 4);
        final TimeIndex index = TimeIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(0))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("entry=1 relativeOffset=4 previousRelativeOffset=5");
    }

    @Test
    void sanityCheckShouldRejectDecreasingTimestamps() throws IOException {
        writeEntries(file(), 200, 5, 100, 6);
        final TimeIndex index = TimeIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(0))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("file=" + file())
            .hasMessageContaining("timestampMs=100 previousTimestampMs=200");
    }

    /** Writes (timestamp, relative offset) pairs big-endian; each pair is given as two longs. */
    private static void writeEntries(final Path file, final long... pairs) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(pairs.length / 2 * TimeIndex.ENTRY_SIZE);
        for (int i = 0; i < pairs.length; i += 2) {
            buf.putLong(pairs[i]);
            buf.putInt((int) pairs[i + 1]);
        }
        Files.write(file, buf.array());
    }
}
