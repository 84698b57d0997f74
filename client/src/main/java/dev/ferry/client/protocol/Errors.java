package dev.ferry.client.protocol;

import dev.ferry.client.protocol.proto.ErrorCode;

import java.util.EnumSet;
import java.util.Set;

/**
 * Which wire error codes a client may retry (after refreshing metadata or backing off), as Kafka marks its
 * retriable errors. A code this client does not know (a newer server) is not retriable.
 *
 * <p>Thread-safe (immutable).
 */
public final class Errors {
    private static final Set<ErrorCode> RETRIABLE = EnumSet.of(ErrorCode.NOT_LEADER, ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.REQUEST_TIMED_OUT, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.CORRUPT_BATCH,
        ErrorCode.UNKNOWN_TOPIC, ErrorCode.UNKNOWN_PARTITION, ErrorCode.NOT_COORDINATOR,
        ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.CONTROLLER_NOT_AVAILABLE, ErrorCode.STORAGE_ERROR,
        ErrorCode.OFFSET_NOT_AVAILABLE);

    private Errors() {
    }

    /**
     * @param code a code from a response
     * @return true when sending the request again can succeed
     */
    public static boolean isRetriable(final ErrorCode code) {
        return RETRIABLE.contains(code);
    }
}
