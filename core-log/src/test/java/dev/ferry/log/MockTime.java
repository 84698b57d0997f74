package dev.ferry.log;

import java.util.concurrent.atomic.AtomicLong;

/** A manual clock for tests; shared with other modules through the test-jar. Thread-safe. */
public final class MockTime implements Time {
    private final AtomicLong nowMs;
    private final AtomicLong nowNs = new AtomicLong();

    /** @param startMs the initial wall-clock time */
    public MockTime(final long startMs) {
        this.nowMs = new AtomicLong(startMs);
    }

    @Override
    public long milliseconds() {
        return nowMs.get();
    }

    @Override
    public long nanoseconds() {
        return nowNs.get();
    }

    /** @param ms how far to move both clocks */
    public void sleep(final long ms) {
        nowMs.addAndGet(ms);
        nowNs.addAndGet(ms * 1_000_000L);
    }
}
