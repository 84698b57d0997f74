package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.Outcome;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;

import java.util.EnumSet;
import java.util.Set;

/**
 * Decides what a failed send proves. The checker reports a definitely failed value that is read anyway
 * (FAILED_BUT_PRESENT), so a failure is definite only when the record cannot have been written:
 * <ul>
 *   <li>the send failed on the caller's thread, before the record was buffered (no metadata, no producer id or no
 *       memory within max.block.ms, a record too large): it never left the process;
 *   <li>the broker refused the batch for something every attempt of the same bytes to the same topic gets
 *       ({@link #DEFINITE}): had an earlier attempt been written, it would have been refused too.
 * </ul>
 * Everything else is unknown. With idempotence and retries, the error of the last attempt says nothing about the
 * earlier ones: an attempt that timed out, or whose connection closed after the request left, may have been
 * written, and a retry of it may then meet NOT_LEADER, OUT_OF_ORDER_SEQUENCE or the delivery timeout.
 *
 * <p>Stateless; thread-safe.
 */
final class SendOutcomes {
    /** Refusals that depend only on the batch's bytes and the topic, never on timing. */
    private static final Set<ErrorCode> DEFINITE = EnumSet.of(ErrorCode.BATCH_TOO_LARGE, ErrorCode.INVALID_TOPIC,
        ErrorCode.UNSUPPORTED_API, ErrorCode.UNSUPPORTED_VERSION);

    private SendOutcomes() {
    }

    /**
     * @param error why the send failed
     * @param beforeBuffering whether it failed on the sending thread, inside {@code send}
     * @return {@link Outcome#FAILED} when the record cannot have been written, else {@link Outcome#UNKNOWN}
     */
    static Outcome classify(final Throwable error, final boolean beforeBuffering) {
        if (beforeBuffering) {
            return Outcome.FAILED;
        }
        return error instanceof FerryException fe && fe.code() != null && DEFINITE.contains(fe.code())
            ? Outcome.FAILED : Outcome.UNKNOWN;
    }
}
