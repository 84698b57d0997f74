package dev.ferry.chaos.history;

/**
 * Where the recorder takes its times from: wall-clock milliseconds for people reading the report, and monotonic
 * nanoseconds for ordering and durations (wall clocks jump). Tests pass a manual clock to craft histories.
 *
 * <p>Implementations must be thread-safe.
 */
public interface HistoryClock {
    /** The system clocks: {@link System#currentTimeMillis()} and {@link System#nanoTime()}. */
    HistoryClock SYSTEM = new HistoryClock() {
        @Override
        public long wallMs() {
            return System.currentTimeMillis();
        }

        @Override
        public long monoNs() {
            return System.nanoTime();
        }
    };

    /** @return the wall-clock time, milliseconds since the epoch */
    long wallMs();

    /** @return a monotonic time in nanoseconds, comparable only within this JVM */
    long monoNs();
}
