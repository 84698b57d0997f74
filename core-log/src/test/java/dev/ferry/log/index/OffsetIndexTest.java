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
class OffsetIndexTest {
    private static final long BASE = 100;
    private static final int MAX_BYTES = 4096;

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("00000000000000000100.index");
    }

    private OffsetIndex writableWith3Entries() throws IOException {
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, true);
        index.append(110, 1000);
        index.append(120, 2000);
        index.append(130, 3000);
        return index;
    }

    @Test
    void shouldPreallocateWritableIndexRoundedDownToWholeEntries() throws IOException {
        final OffsetIndex index = OffsetIndex.open(file(), BASE, 35, true);

        assertThat(Files.size(file())).isEqualTo(32);
        assertThat(index.maxEntries()).isEqualTo(4);
        assertThat(index.entries()).isZero();
        assertThat(index.sizeInBytes()).isZero();
        assertThat(index.lastOffset()).isEqualTo(BASE);
        assertThat(index.lookupPosition(500)).isZero();
        assertThat(index.lookupOffset(500)).isEqualTo(BASE);
    }

    @Test
    void shouldLookUpBeforeBetweenAndAfterEntries() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        assertThat(index.lookupPosition(50)).isZero();
        assertThat(index.lookupOffset(50)).isEqualTo(BASE);
        assertThat(index.lookupPosition(109)).isZero();
        assertThat(index.lookupOffset(109)).isEqualTo(BASE);
        assertThat(index.lookupPosition(110)).isEqualTo(1000);
        assertThat(index.lookupOffset(110)).isEqualTo(110);
        assertThat(index.lookupPosition(125)).isEqualTo(2000);
        assertThat(index.lookupOffset(125)).isEqualTo(120);
        assertThat(index.lookupPosition(Long.MAX_VALUE)).isEqualTo(3000);
        assertThat(index.lookupOffset(Long.MAX_VALUE)).isEqualTo(130);
        assertThat(index.lookupOffset(Long.MIN_VALUE)).isEqualTo(BASE);
        assertThat(index.lastOffset()).isEqualTo(130);
        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.sizeInBytes()).isEqualTo(24);
        assertThat(index.offsetAt(1)).isEqualTo(120);
        assertThat(index.positionAt(1)).isEqualTo(2000);
    }

    @Test
    void shouldFindFloorPositionByPosition() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        assertThat(index.floorPositionByPosition(999)).isZero();
        assertThat(index.floorPositionByPosition(1000)).isEqualTo(1000);
        assertThat(index.floorPositionByPosition(2999)).isEqualTo(2000);
        assertThat(index.floorPositionByPosition(Integer.MAX_VALUE)).isEqualTo(3000);
    }

    @Test
    void shouldAnswerEveryLookupAcrossTheWarmSection() throws IOException {
        // 3000 entries is well past the 1024-entry warm section, so both halves of the search run.
        final OffsetIndex index = OffsetIndex.open(file(), BASE, 8 * 3000, true);
        for (int i = 0; i < 3000; i++) {
            index.append(BASE + 3L * i + 1, 7 * i);
        }
        for (long target = BASE; target < BASE + 3 * 3000 + 5; target++) {
            final long expectedSlot = Math.min(2999, (target - BASE - 1) / 3);
            if (target == BASE) {
                assertThat(index.lookupOffset(target)).isEqualTo(BASE);
            } else {
                assertThat(index.lookupOffset(target)).isEqualTo(BASE + 3 * expectedSlot + 1);
                assertThat(index.lookupPosition(target)).isEqualTo(7 * expectedSlot);
            }
        }
        assertThat(index.isFull()).isTrue();
    }

    @Test
    void shouldTruncateInTheMiddleAndAcceptSmallerOffsetsAfterwards() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        index.truncateTo(125);

        assertThat(index.entries()).isEqualTo(2);
        assertThat(index.lastOffset()).isEqualTo(120);
        assertThat(index.lookupPosition(1000)).isEqualTo(2000);
        index.append(121, 2100);
        assertThat(index.lookupOffset(1000)).isEqualTo(121);

        index.truncateTo(120);
        assertThat(index.entries()).isEqualTo(1);
        assertThat(index.lastOffset()).isEqualTo(110);
    }

    @Test
    void shouldTruncateAtStartAndBeforeBase() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        index.truncateTo(110);
        assertThat(index.entries()).isZero();
        assertThat(index.lastOffset()).isEqualTo(BASE);

        final OffsetIndex other = OffsetIndex.open(dir.resolve("other.index"), BASE, MAX_BYTES, true);
        other.append(110, 10);
        other.truncateTo(Long.MIN_VALUE);
        assertThat(other.entries()).isZero();
    }

    @Test
    void shouldIgnoreTruncationPastTheEnd() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        index.truncateTo(131);
        index.truncateTo(Long.MAX_VALUE);

        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lastOffset()).isEqualTo(130);
    }

    @Test
    void shouldRestoreTheSameEntriesAfterTrimAndReopen() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        index.close();
        assertThat(Files.size(file())).isEqualTo(24);

        final OffsetIndex readOnly = OffsetIndex.open(file(), BASE, MAX_BYTES, false);
        assertThat(readOnly.entries()).isEqualTo(3);
        assertThat(readOnly.lookupPosition(125)).isEqualTo(2000);
        assertThat(readOnly.lastOffset()).isEqualTo(130);
        readOnly.sanityCheck(3000);

        final OffsetIndex writable = OffsetIndex.open(file(), BASE, MAX_BYTES, true);
        assertThat(writable.entries()).isEqualTo(3);
        assertThat(Files.size(file())).isEqualTo(MAX_BYTES);
        writable.append(140, 4000);
        assertThat(writable.lastOffset()).isEqualTo(140);
    }

    @Test
    void shouldRecoverEntryCountOfPreallocatedFileAfterCrash() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        index.flush();
        // No close: the file keeps its preallocated length, as after a crash.

        final OffsetIndex reopened = OffsetIndex.open(file(), BASE, MAX_BYTES, true);

        assertThat(reopened.entries()).isEqualTo(3);
        assertThat(reopened.lastOffset()).isEqualTo(130);
        assertThat(reopened.lookupPosition(125)).isEqualTo(2000);
    }

    @Test
    void shouldNotResurrectTruncatedEntriesOnRecovery() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        index.truncateTo(120);
        index.append(111, 1100);

        final OffsetIndex reopened = OffsetIndex.open(file(), BASE, MAX_BYTES, true);

        assertThat(reopened.entries()).isEqualTo(2);
        assertThat(reopened.lastOffset()).isEqualTo(111);
    }

    @Test
    void shouldCountAllZeroFirstEntryOnlyWhenFollowedByAValidEntry() throws IOException {
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, true);
        index.append(BASE, 0);
        assertThat(OffsetIndex.open(file(), BASE, MAX_BYTES, true).entries()).isZero();

        final OffsetIndex again = OffsetIndex.open(file(), BASE, MAX_BYTES, true);
        again.append(BASE, 0);
        again.append(BASE + 5, 50);
        final OffsetIndex reopened = OffsetIndex.open(file(), BASE, MAX_BYTES, true);
        assertThat(reopened.entries()).isEqualTo(2);
        assertThat(reopened.offsetAt(0)).isEqualTo(BASE);
    }

    @Test
    void shouldStopRecoveryAtFirstOutOfOrderEntryAndZeroTheRest() throws IOException {
        writeEntries(file(), MAX_BYTES, 1, 10, 2, 20, 3, 30, 2, 40, 9, 90);

        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, true);

        assertThat(index.entries()).isEqualTo(3);
        assertThat(index.lastOffset()).isEqualTo(BASE + 3);
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file()));
        for (int i = 3 * OffsetIndex.ENTRY_SIZE; i < 5 * OffsetIndex.ENTRY_SIZE; i++) {
            assertThat(bytes.get(i)).as("byte %d", i).isZero();
        }
        index.sanityCheck(1000);
    }

    @Test
    void shouldRejectAppendToFullIndex() throws IOException {
        final OffsetIndex index = OffsetIndex.open(file(), BASE, 16, true);
        index.append(101, 1);
        index.append(102, 2);

        assertThat(index.isFull()).isTrue();
        assertThatThrownBy(() -> index.append(103, 3))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("index is full: entries=2 maxEntries=2");

        assertThat(index.resize(24)).isTrue();
        assertThat(index.resize(24)).isFalse();
        index.append(103, 3);
        assertThat(index.lookupPosition(103)).isEqualTo(3);
    }

    @Test
    void shouldRejectNonIncreasingOffsetWithBothValuesInMessage() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        assertThatThrownBy(() -> index.append(130, 4000))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=130 lastOffset=130");
        assertThatThrownBy(() -> index.append(125, 4000))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=125 lastOffset=130");
        assertThatThrownBy(() -> index.append(140, 2999))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("position=2999 lastPosition=3000");
        assertThat(index.entries()).isEqualTo(3);
    }

    @Test
    void shouldRejectOffsetsOutsideTheSegmentRange() throws IOException {
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, true);

        assertThat(index.canAppendOffset(BASE - 1)).isFalse();
        assertThat(index.canAppendOffset(BASE + Integer.MAX_VALUE)).isTrue();
        assertThat(index.canAppendOffset(BASE + Integer.MAX_VALUE + 1L)).isFalse();
        assertThatThrownBy(() -> index.append(BASE - 1, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=99 baseOffset=100");
        assertThatThrownBy(() -> index.append(BASE + Integer.MAX_VALUE + 1L, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("offset=2147483748 baseOffset=100");
        assertThat(index.entries()).isZero();
    }

    @Test
    void shouldRejectWritesToReadOnlyAndClosedIndexes() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        index.close();
        index.close();
        assertThatThrownBy(() -> index.append(140, 4000))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("writable=true closed=true");
        assertThat(index.lookupPosition(125)).isEqualTo(2000);

        final OffsetIndex readOnly = OffsetIndex.open(file(), BASE, MAX_BYTES, false);
        assertThatThrownBy(() -> readOnly.truncateTo(BASE))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("writable=false closed=false");
        assertThatThrownBy(() -> readOnly.resize(MAX_BYTES)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectResizeBelowValidEntries() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        assertThatThrownBy(() -> index.resize(16))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("newMaxSizeBytes=16 sizeInBytes=24");
    }

    @Test
    void shouldRejectEntryIndexOutOfRange() throws IOException {
        final OffsetIndex index = writableWith3Entries();

        assertThatThrownBy(() -> index.offsetAt(3))
            .isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessageContaining("n=3 entries=3");
        assertThatThrownBy(() -> index.positionAt(-1))
            .isInstanceOf(IndexOutOfBoundsException.class)
            .hasMessageContaining("n=-1 entries=3");
    }

    @Test
    void shouldRenameResetAndDelete() throws IOException {
        final OffsetIndex index = writableWith3Entries();
        final Path renamed = dir.resolve("00000000000000000100.index.deleted");

        index.renameTo(renamed);
        assertThat(index.file()).isEqualTo(renamed);
        assertThat(Files.exists(file())).isFalse();
        assertThat(index.lookupPosition(125)).isEqualTo(2000);

        index.reset();
        assertThat(index.entries()).isZero();
        assertThat(index.lookupPosition(125)).isZero();

        index.deleteIfExists();
        assertThat(Files.exists(renamed)).isFalse();
        index.deleteIfExists();
    }

    @Test
    void sanityCheckShouldRejectLengthNotMultipleOfEntrySize() throws IOException {
        Files.write(file(), new byte[12]);
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(1000))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("file=" + file())
            .hasMessageContaining("lengthBytes=12 entrySizeBytes=8");
    }

    @Test
    void sanityCheckShouldRejectDecreasingOffsets() throws IOException {
        writeEntries(file(), 24, 10, 0, 5, 100, 20, 200);
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(1000))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("file=" + file())
            .hasMessageContaining("entry=1 relativeOffset=5 previousRelativeOffset=10");
    }

    @Test
    void sanityCheckShouldRejectDecreasingPositions() throws IOException {
        writeEntries(file(), 16, 10, 300, 20, 200);
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, false);

        assertThatThrownBy(() -> index.sanityCheck(1000))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("entry=1 relativeOffset=20 previousRelativeOffset=10 position=200 "
                + "previousPosition=300");
    }

    @Test
    void sanityCheckShouldRejectPositionBeyondLogSize() throws IOException {
        writeEntries(file(), 16, 10, 100, 20, 5000);
        final OffsetIndex index = OffsetIndex.open(file(), BASE, MAX_BYTES, false);

        index.sanityCheck(5000);
        assertThatThrownBy(() -> index.sanityCheck(4999))
            .isInstanceOf(CorruptIndexException.class)
            .hasMessageContaining("entry=1 relativeOffset=20 position=5000 logFileSizeBytes=4999");
    }

    /** Writes (relative offset, position) pairs big-endian into a file of {@code lengthBytes}. */
    static void writeEntries(final Path file, final int lengthBytes, final int... pairs) throws IOException {
        final ByteBuffer buf = ByteBuffer.allocate(lengthBytes);
        for (final int value : pairs) {
            buf.putInt(value);
        }
        Files.write(file, buf.array());
    }
}
