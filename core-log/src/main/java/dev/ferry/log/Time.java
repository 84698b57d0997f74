package dev.ferry.log;

/**
 * A clock, passed in so that tests can drive roll, retention and flush timing with a manual clock.
 *
 * <p>Thread-safe (implementations must be).
 */
public interface Time {

    /** The wall clock and the JVM's monotonic clock. */
    Time SYSTEM = new Time() {
        @Override
        public long milliseconds() {
            return System.currentTimeMillis();
        }

        @Override
        public long nanoseconds() {
            return System.nanoTime();
        }
    };

    /**
     * Wall-clock time.
     *
     * @return milliseconds since the epoch
     */
    long milliseconds();

    /**
     * Monotonic time, for measuring intervals.
     *
     * @return nanoseconds from an arbitrary origin
     */
    long nanoseconds();
}
