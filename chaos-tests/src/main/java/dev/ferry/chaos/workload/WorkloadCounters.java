package dev.ferry.chaos.workload;

import java.util.concurrent.atomic.LongAdder;

/**
 * The workload's running counts, bumped by producer callbacks and reader threads.
 *
 * <p>Thread-safe.
 */
final class WorkloadCounters {
    final LongAdder sent = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder unknown = new LongAdder();
    final LongAdder groupReads = new LongAdder();
    final LongAdder readerReads = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder consumerErrors = new LongAdder();

    /** @return the counts now; a concurrent update may be half seen (acked counted before sent), never lost */
    WorkloadStats snapshot() {
        // Outcomes first, sends last: a snapshot never shows more outcomes than sends.
        final long a = acked.sum();
        final long f = failed.sum();
        final long u = unknown.sum();
        return new WorkloadStats(sent.sum(), a, f, u, groupReads.sum(), readerReads.sum(), commits.sum(),
            consumerErrors.sum());
    }
}
