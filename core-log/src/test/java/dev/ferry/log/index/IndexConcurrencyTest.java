package dev.ferry.log.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One writer appends (and grows the mapping when full) while two readers look up random targets without a
 * lock. Entry i is (offset {@code BASE + 2i + 1}, position {@code 10i}, timestamp {@code T0 + 5i}), so a reader
 * can tell whether an answer is an appended entry at or below its target. Seeded; bounded by the writer's work
 * and a timeout, no sleeps.
 */
@Timeout(30)
class IndexConcurrencyTest {
    private static final long BASE = 5_000;
    private static final long T0 = 1_700_000_000_000L;
    private static final int ENTRIES = 1_000_000;
    private static final int READERS = 2;
    private static final long SEED = 0xFE44A11L;

    @TempDir
    Path dir;

    private final ExecutorService executor = Executors.newFixedThreadPool(READERS + 1);

    @AfterEach
    void shutdown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static long offsetOf(final long i) {
        return BASE + 2 * i + 1;
    }

    @Test
    void shouldAnswerOffsetLookupsWithPublishedEntriesWhileAppending() throws Exception {
        final OffsetIndex index = OffsetIndex.open(dir.resolve("c.index"), BASE, 64 * OffsetIndex.ENTRY_SIZE, true);
        final AtomicBoolean done = new AtomicBoolean();
        final CountDownLatch readersStarted = new CountDownLatch(READERS);
        final List<Future<Long>> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            final SplittableRandom random = new SplittableRandom(SEED + r);
            readers.add(executor.submit(() -> {
                readersStarted.countDown();
                long lookups = 0;
                while (!done.get()) {
                    final long target = BASE - 3 + random.nextLong(2L * ENTRIES + 10);
                    checkOffsetAnswer(target, index.lookupOffset(target));
                    checkPositionAnswer(target, index.lookupPosition(target));
                    final int maxPosition = random.nextInt(10 * ENTRIES + 10);
                    final int floor = index.floorPositionByPosition(maxPosition);
                    assertThat(floor % 10 == 0 && floor <= maxPosition).as("maxPosition=%d floor=%d", maxPosition,
                        floor).isTrue();
                    lookups++;
                }
                return lookups;
            }));
        }
        final Future<?> writer = executor.submit(() -> {
            readersStarted.await();
            try {
                for (int i = 0; i < ENTRIES; i++) {
                    if (index.isFull()) {
                        index.resize(index.maxEntries() * 2 * OffsetIndex.ENTRY_SIZE);
                    }
                    index.append(offsetOf(i), 10 * i);
                }
            } finally {
                done.set(true);
            }
            return null;
        });
        writer.get(20, TimeUnit.SECONDS);
        for (final Future<Long> reader : readers) {
            assertThat(reader.get(5, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(index.lookupOffset(Long.MAX_VALUE)).isEqualTo(offsetOf(ENTRIES - 1));
    }

    @Test
    void shouldAnswerTimeLookupsWithPublishedEntriesWhileAppending() throws Exception {
        final TimeIndex index = TimeIndex.open(dir.resolve("c.timeindex"), BASE, 64 * TimeIndex.ENTRY_SIZE, true);
        final AtomicBoolean done = new AtomicBoolean();
        final CountDownLatch readersStarted = new CountDownLatch(READERS);
        final List<Future<Long>> readers = new ArrayList<>();
        for (int r = 0; r < READERS; r++) {
            final SplittableRandom random = new SplittableRandom(SEED + r);
            readers.add(executor.submit(() -> {
                readersStarted.countDown();
                long lookups = 0;
                while (!done.get()) {
                    final long target = T0 - 3 + random.nextLong(5L * ENTRIES + 10);
                    final long offset = index.lookupOffsetBefore(target);
                    if (offset != -1) {
                        final long i = (offset - BASE - 1) / 2;
                        assertThat(offset == offsetOf(i) && i >= 0 && i < ENTRIES && T0 + 5 * i < target)
                            .as("target=%d offset=%d", target, offset).isTrue();
                    }
                    lookups++;
                }
                return lookups;
            }));
        }
        final Future<?> writer = executor.submit(() -> {
            readersStarted.await();
            try {
                for (int i = 0; i < ENTRIES; i++) {
                    if (index.isFull()) {
                        index.resize(index.maxEntries() * 2 * TimeIndex.ENTRY_SIZE);
                    }
                    index.maybeAppend(T0 + 5L * i, offsetOf(i));
                }
            } finally {
                done.set(true);
            }
            return null;
        });
        writer.get(20, TimeUnit.SECONDS);
        for (final Future<Long> reader : readers) {
            assertThat(reader.get(5, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(index.entries()).isEqualTo(ENTRIES);
    }

    private static void checkOffsetAnswer(final long target, final long offset) {
        if (offset == BASE) {
            return;
        }
        final long i = (offset - BASE - 1) / 2;
        assertThat(offset == offsetOf(i) && i >= 0 && i < ENTRIES && offset <= target)
            .as("target=%d offset=%d", target, offset).isTrue();
    }

    private static void checkPositionAnswer(final long target, final int position) {
        if (position == 0) {
            return;
        }
        final long i = position / 10;
        assertThat(position % 10 == 0 && i < ENTRIES && offsetOf(i) <= target)
            .as("target=%d position=%d", target, position).isTrue();
    }
}
