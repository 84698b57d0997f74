package dev.ferry.chaos.history;

import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, so crafted histories have exact times. Thread-safe. */
public final class ManualClock implements HistoryClock {
    /** Wall clock at monotonic zero: 2026-01-01T00:00:00Z. */
    public static final long EPOCH_MS = 1_767_225_600_000L;

    private final AtomicLong nowNs = new AtomicLong();

    @Override
    public long wallMs() {
        return EPOCH_MS + nowNs.get() / 1_000_000;
    }

    @Override
    public long monoNs() {
        return nowNs.get();
    }

    /** @param ms milliseconds to move forward */
    public void advanceMs(final long ms) {
        nowNs.addAndGet(ms * 1_000_000);
    }

    /** @param ms the monotonic time to move to, in milliseconds from zero; never backwards */
    public void atMs(final long ms) {
        nowNs.accumulateAndGet(ms * 1_000_000, Math::max);
    }
}
