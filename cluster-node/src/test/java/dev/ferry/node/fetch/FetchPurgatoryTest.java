package dev.ferry.node.fetch;

import dev.ferry.replication.PartitionId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The purgatory's bookkeeping: wake-ups, the re-check after parking, expiry, no overlapping re-reads. */
class FetchPurgatoryTest {
    private static final PartitionId P0 = new PartitionId("t", 0);
    private static final PartitionId P1 = new PartitionId("t", 1);

    private final FetchPurgatory purgatory = new FetchPurgatory(1, 2);

    @AfterEach
    void close() {
        purgatory.close();
    }

    /** Completes once {@code ready} is set; counts calls and checks that they never overlap. */
    private static final class TestWaiter implements FetchPurgatory.Waiter {
        private final AtomicBoolean ready = new AtomicBoolean();
        private final AtomicInteger tries = new AtomicInteger();
        private final AtomicInteger inside = new AtomicInteger();
        private final AtomicBoolean overlapped = new AtomicBoolean();
        private final CountDownLatch completed = new CountDownLatch(1);
        private final CountDownLatch expired = new CountDownLatch(1);

        @Override
        public boolean tryComplete() {
            if (inside.incrementAndGet() != 1) {
                overlapped.set(true);
            }
            try {
                tries.incrementAndGet();
                if (ready.get()) {
                    completed.countDown();
                    return true;
                }
                return false;
            } finally {
                inside.decrementAndGet();
            }
        }

        @Override
        public void expire() {
            expired.countDown();
        }
    }

    @Test
    void shouldRecheckRightAfterParkingSoThatDataThatArrivedBeforeIsNotMissed() throws Exception {
        final TestWaiter w = new TestWaiter();
        w.ready.set(true); // the data arrived between the handler's read and the parking: no wake-up will come
        purgatory.park(List.of(P0), 60_000, w);
        assertThat(w.completed.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.parkedCount() == 0);
        assertThat(w.expired.getCount()).isEqualTo(1);
    }

    @Test
    void shouldCompleteOnAHighWatermarkOfAnyOfItsPartitionsOnly() throws Exception {
        final TestWaiter w = new TestWaiter();
        purgatory.park(List.of(P0, P1), 60_000, w);
        await().atMost(Duration.ofSeconds(5)).until(() -> w.tries.get() == 1);
        w.ready.set(true);
        purgatory.onHighWatermark(new PartitionId("other", 0), 10);
        assertThat(w.completed.await(200, TimeUnit.MILLISECONDS)).isFalse();
        purgatory.onHighWatermark(P1, 10);
        assertThat(w.completed.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.parkedCount() == 0);
        final int tries = w.tries.get();
        purgatory.onHighWatermark(P0, 11);
        purgatory.onHighWatermark(P1, 11);
        assertThat(w.tries.get()).isEqualTo(tries);
    }

    @Test
    void shouldExpireWhenTheWaitRunsOut() throws Exception {
        final TestWaiter w = new TestWaiter();
        final long start = System.nanoTime();
        purgatory.park(List.of(P0), 100, w);
        assertThat(w.expired.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(100);
        await().atMost(Duration.ofSeconds(5)).until(() -> purgatory.parkedCount() == 0);
    }

    @Test
    void shouldNeverReReadOneRequestOnTwoThreadsAtOnce() throws Exception {
        final TestWaiter w = new TestWaiter();
        purgatory.park(List.of(P0, P1), 60_000, w);
        final Thread a = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                purgatory.onHighWatermark(P0, i);
            }
        });
        final Thread b = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                purgatory.onHighWatermark(P1, i);
            }
        });
        a.start();
        b.start();
        a.join();
        b.join();
        w.ready.set(true);
        purgatory.onHighWatermark(P0, 20_000);
        assertThat(w.completed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(w.overlapped).isFalse();
    }

    @Test
    void shouldAnswerParkedRequestsWhenClosed() throws Exception {
        final TestWaiter w = new TestWaiter();
        purgatory.park(List.of(P0), 60_000, w);
        purgatory.close();
        assertThat(w.expired.await(10, TimeUnit.SECONDS)).isTrue();
        final TestWaiter late = new TestWaiter();
        purgatory.park(List.of(P0), 60_000, late);
        assertThat(late.expired.await(10, TimeUnit.SECONDS)).isTrue();
    }
}
