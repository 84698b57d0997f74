package dev.ferry.log.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Lookups against a naive linear search over the same entries. Up to 1500 entries, so that the warm section
 * (1024 offset entries, 682 time entries) and the cold part are both searched. jqwik prints the seed of a
 * failing run.
 */
class IndexLookupPropertiesTest {
    private static final int MAX_ENTRIES = 1500;

    @Property(tries = 150)
    void offsetLookupsMatchLinearSearch(
        @ForAll @LongRange(min = 0, max = 1L << 40) final long baseOffset,
        @ForAll @Size(max = MAX_ENTRIES) final List<@IntRange(min = 1, max = 1000) Integer> offsetGaps,
        @ForAll @Size(max = MAX_ENTRIES) final List<@IntRange(min = 0, max = 5000) Integer> positionGaps,
        @ForAll @Size(min = 1, max = 50) final List<@IntRange(min = -10, max = 1_600_000) Integer> targetDeltas)
        throws IOException {
        final int n = Math.min(offsetGaps.size(), positionGaps.size());
        final long[] offsets = new long[n];
        final int[] positions = new int[n];
        long offset = baseOffset - 1;
        int position = 0;
        for (int i = 0; i < n; i++) {
            offset += offsetGaps.get(i);
            position += positionGaps.get(i);
            offsets[i] = offset;
            positions[i] = position;
        }
        final Path dir = Files.createTempDirectory("offset-index-property");
        try {
            final OffsetIndex index = OffsetIndex.open(dir.resolve("x.index"), baseOffset,
                MAX_ENTRIES * OffsetIndex.ENTRY_SIZE, true);
            for (int i = 0; i < n; i++) {
                index.append(offsets[i], positions[i]);
            }
            for (final int delta : targetDeltas) {
                final long target = baseOffset + delta;
                int expected = -1;
                for (int i = 0; i < n && offsets[i] <= target; i++) {
                    expected = i;
                }
                assertThat(index.lookupOffset(target)).as("target=%d", target)
                    .isEqualTo(expected < 0 ? baseOffset : offsets[expected]);
                assertThat(index.lookupPosition(target)).as("target=%d", target)
                    .isEqualTo(expected < 0 ? 0 : positions[expected]);

                final int maxPosition = Math.abs(delta) * 4;
                int expectedPosition = 0;
                for (int i = 0; i < n && positions[i] <= maxPosition; i++) {
                    expectedPosition = positions[i];
                }
                assertThat(index.floorPositionByPosition(maxPosition)).as("maxPosition=%d", maxPosition)
                    .isEqualTo(expectedPosition);
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    @Property(tries = 150)
    void timeLookupsMatchLinearSearch(
        @ForAll @LongRange(min = 0, max = 1L << 40) final long baseOffset,
        @ForAll @LongRange(min = 0, max = 1L << 41) final long firstTimestampMs,
        @ForAll @Size(max = MAX_ENTRIES) final List<@IntRange(min = 1, max = 1000) Integer> offsetGaps,
        @ForAll @Size(max = MAX_ENTRIES) final List<@IntRange(min = 1, max = 60_000) Integer> timestampGaps,
        @ForAll @Size(min = 1, max = 50) final List<@LongRange(min = -10, max = 100_000_000) Long> targetDeltas)
        throws IOException {
        final int n = Math.min(offsetGaps.size(), timestampGaps.size());
        final long[] offsets = new long[n];
        final long[] timestamps = new long[n];
        long offset = baseOffset - 1;
        long timestampMs = firstTimestampMs;
        for (int i = 0; i < n; i++) {
            offset += offsetGaps.get(i);
            timestampMs += timestampGaps.get(i);
            offsets[i] = offset;
            timestamps[i] = timestampMs;
        }
        final Path dir = Files.createTempDirectory("time-index-property");
        try {
            final TimeIndex index = TimeIndex.open(dir.resolve("x.timeindex"), baseOffset,
                MAX_ENTRIES * TimeIndex.ENTRY_SIZE, true);
            for (int i = 0; i < n; i++) {
                index.maybeAppend(timestamps[i], offsets[i]);
            }
            assertThat(index.entries()).isEqualTo(n);
            for (final long delta : targetDeltas) {
                final long target = firstTimestampMs + delta;
                long expected = -1;
                for (int i = 0; i < n && timestamps[i] < target; i++) {
                    expected = offsets[i];
                }
                assertThat(index.lookupOffsetBefore(target)).as("target=%d", target).isEqualTo(expected);
            }
        } finally {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(final Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (final Path file : (Iterable<Path>) files::iterator) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }
}
