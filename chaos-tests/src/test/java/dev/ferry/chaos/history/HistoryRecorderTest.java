package dev.ferry.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.TopicPartition;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

class HistoryRecorderTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);

    @Test
    void shouldRecordEveryKindWithItsTimes() {
        final ManualClock clock = new ManualClock();
        final HistoryRecorder recorder = new HistoryRecorder(clock);
        clock.atMs(5);
        recorder.send("p1", 0, "p1:0", P0, 11);
        clock.atMs(7);
        recorder.acknowledged("p1", "p1:0", P0, 0);
        recorder.failed("p1", "p1:1", "NOT_LEADER");
        recorder.unknown("p1", "p1:2", "timeout");
        recorder.read("r1", ReaderKind.STANDALONE, P0, 0, "p1:0", 11);
        recorder.groupRead("g", "m1", P0, 0, "p1:0", 11);
        recorder.commit("g", "m1", P0, 1);
        recorder.assignment("g", "m1", List.of(P0), List.of());
        final long fault = recorder.faultStarted(FaultKind.NODE_KILL, "kill n1", List.of("n1"), Set.of(P0));
        recorder.faultEnded(fault);
        recorder.replicaDigest(P0, "n1", 1, "abc");

        final History history = recorder.history();

        assertThat(history.size()).isEqualTo(11);
        assertThat(history.ops().get(0)).isEqualTo(new Op.Send(ManualClock.EPOCH_MS + 5, 5_000_000, "p1", 0,
                "p1:0", P0, 11));
        assertThat(history.ofType(Op.SendResult.class)).extracting(Op.SendResult::outcome)
                .containsExactly(Outcome.ACKNOWLEDGED, Outcome.FAILED, Outcome.UNKNOWN);
        assertThat(history.ofType(Op.FaultEnd.class).get(0).faultId()).isEqualTo(fault);
        assertThat(history.startNs()).isEqualTo(5_000_000);
        assertThat(history.endNs()).isEqualTo(7_000_000);
    }

    @Test
    void shouldRecordValuesFromTheirBytes() {
        final HistoryRecorder recorder = new HistoryRecorder(new ManualClock());
        final byte[] value = ChaosValue.encode("p1:0", 64);
        final byte[] damaged = value.clone();
        damaged[40] ^= 1;

        recorder.send("p1", 0, "p1:0", P0, value);
        recorder.read("r1", ReaderKind.STANDALONE, P0, 0, value.clone());
        recorder.groupRead("g", "m1", P0, 0, damaged);
        recorder.read("final", ReaderKind.FINAL, P0, 0, new byte[] {1, 2, 3});

        final List<Op.Read> reads = recorder.history().ofType(Op.Read.class);
        final long sent = recorder.history().ofType(Op.Send.class).get(0).checksum();
        assertThat(sent).isEqualTo(ChaosValue.checksum(value));
        assertThat(reads.get(0).valueId()).isEqualTo("p1:0");
        assertThat(reads.get(0).checksum()).isEqualTo(sent);
        assertThat(reads.get(1).valueId()).isEqualTo("p1:0");
        assertThat(reads.get(1).checksum()).isNotEqualTo(sent);
        assertThat(reads.get(2).valueId()).isNull();
    }

    @Test
    void shouldMergeManyThreadsInTimeOrderKeepingEachThreadsOrder() throws Exception {
        final HistoryRecorder recorder = new HistoryRecorder();
        final int threads = 8;
        final int perThread = 20_000;
        final ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        final CountDownLatch start = new CountDownLatch(1);
        final AtomicBoolean done = new AtomicBoolean();
        try {
            final List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final String producer = "p" + t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        recorder.send(producer, i, producer + ":" + i, P0, i);
                    }
                    return null;
                }));
            }
            // Snapshots taken while the threads record must not throw, and each holds a prefix of every thread
            // (checked by the sequence assertions below on the final one; here, sizes never shrink).
            final Future<Integer> snapshots = pool.submit(() -> {
                start.countDown();
                int taken = 0;
                int lastSize = 0;
                do {
                    final int size = recorder.history().size();
                    assertThat(size).isGreaterThanOrEqualTo(lastSize);
                    lastSize = size;
                    taken++;
                } while (!done.get() && taken < 50);
                return taken;
            });
            for (final Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            done.set(true);
            assertThat(snapshots.get(60, TimeUnit.SECONDS)).isPositive();
        } finally {
            pool.shutdownNow();
        }

        final History history = recorder.history();

        assertThat(history.size()).isEqualTo(threads * perThread);
        final Map<String, Long> lastSeq = new HashMap<>();
        long lastNs = Long.MIN_VALUE;
        for (final Op.Send send : history.ofType(Op.Send.class)) {
            assertThat(send.monoNs()).isGreaterThanOrEqualTo(lastNs);
            lastNs = send.monoNs();
            final Long previous = lastSeq.put(send.producer(), send.seq());
            assertThat(send.seq()).isEqualTo(previous == null ? 0 : previous + 1);
        }
    }

    /**
     * Not a timed test: prints what recording costs per operation, from one thread and from four, for the report.
     * The figure includes building the value id string, as a workload would. It is CPU time of the recording
     * threads (wall time on a shared two-core machine mostly measures waiting for a core); garbage collection of
     * the retained history runs on other threads and is not in it.
     */
    @Test
    void measureRecorderCostPerOp() throws Exception {
        final int ops = 300_000;
        measure(1, ops);
        final double[] single = measure(1, ops);
        final double[] four = measure(4, ops);
        System.out.printf("recorder cost: %.0f ns/op CPU (%.0f wall) on one thread; %.0f ns/op CPU (%.0f wall) per "
                + "thread with four threads%n", single[0], single[1], four[0], four[1]);
        assertThat(single[0]).isPositive();
    }

    /** @return CPU and wall nanoseconds per operation per thread */
    private static double[] measure(final int threads, final int opsPerThread) throws Exception {
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final HistoryRecorder recorder = new HistoryRecorder();
        final ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            final List<Future<long[]>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                final String producer = "p" + t;
                futures.add(pool.submit(() -> {
                    final long startCpuNs = mx.getCurrentThreadCpuTime();
                    final long startNs = System.nanoTime();
                    for (int i = 0; i < opsPerThread; i++) {
                        recorder.acknowledged(producer, producer + ":" + i, P0, i);
                    }
                    return new long[] {mx.getCurrentThreadCpuTime() - startCpuNs, System.nanoTime() - startNs};
                }));
            }
            long cpuNs = 0;
            long wallNs = 0;
            for (final Future<long[]> f : futures) {
                final long[] spent = f.get(60, TimeUnit.SECONDS);
                cpuNs += spent[0];
                wallNs += spent[1];
            }
            final double ops = (double) threads * opsPerThread;
            return new double[] {cpuNs / ops, wallNs / ops};
        } finally {
            pool.shutdownNow();
        }
    }
}
