package dev.ferry.chaos.workload;

import org.slf4j.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How a reader thread reports the errors it survives: each is counted; one is logged at WARN when its message
 * differs from the previous one, at DEBUG when it repeats, so a node down for a minute costs a line, not hundreds.
 *
 * <p>Not thread-safe: one per reader thread.
 */
final class ErrorLog {
    private static final long BACK_OFF_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Logger log;
    private final String who;
    private final WorkloadCounters counters;
    private String lastMessage;

    /**
     * @param log the reader's logger
     * @param who the reader, as it appears first on each line (e.g. {@code group=g member=m0})
     * @param counters where errors are counted
     */
    ErrorLog(final Logger log, final String who, final WorkloadCounters counters) {
        this.log = log;
        this.who = who;
        this.counters = counters;
    }

    /**
     * @param what what failed
     * @param e why
     */
    void onError(final String what, final RuntimeException e) {
        counters.consumerErrors.increment();
        final String message = what + ": " + e;
        if (message.equals(lastMessage)) {
            log.debug("{} {} (again, continuing)", who, message);
        } else {
            log.warn("{} {} (continuing)", who, message);
            lastMessage = message;
        }
    }

    /** Waits a little before the next attempt, so a dead cluster does not turn into a busy loop. */
    static void backOff() {
        LockSupport.parkNanos(BACK_OFF_NS);
    }
}
