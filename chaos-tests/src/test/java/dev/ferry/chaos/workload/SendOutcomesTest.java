package dev.ferry.chaos.workload;

import dev.ferry.chaos.history.Outcome;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.NetworkException;
import dev.ferry.client.protocol.proto.ErrorCode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A send failure is definite only when the record cannot have been written. */
class SendOutcomesTest {
    @Test
    void shouldCallAFailureBeforeBufferingDefinite() {
        assertThat(SendOutcomes.classify(new FerryException(ErrorCode.UNKNOWN_TOPIC, "no metadata within "
            + "max.block.ms", true, null), true)).isEqualTo(Outcome.FAILED);
    }

    @Test
    void shouldCallTimeoutsAndLostConnectionsUnknown() {
        assertThat(SendOutcomes.classify(new FerryException(ErrorCode.REQUEST_TIMED_OUT, "expired", true, null),
            false)).isEqualTo(Outcome.UNKNOWN);
        assertThat(SendOutcomes.classify(new NetworkException("connection closed", null, true), false))
            .isEqualTo(Outcome.UNKNOWN);
        assertThat(SendOutcomes.classify(new FerryException(null, "producer closed before the record was sent",
            false, null), false)).isEqualTo(Outcome.UNKNOWN);
    }

    @Test
    void shouldCallRefusalsAfterRetriesUnknownUnlessEveryAttemptWouldGetThem() {
        // A retry's OUT_OF_ORDER_SEQUENCE or NOT_LEADER says nothing about an earlier attempt that timed out.
        assertThat(SendOutcomes.classify(FerryException.of(ErrorCode.OUT_OF_ORDER_SEQUENCE, "refused"), false))
            .isEqualTo(Outcome.UNKNOWN);
        assertThat(SendOutcomes.classify(FerryException.of(ErrorCode.NOT_LEADER, "moved"), false))
            .isEqualTo(Outcome.UNKNOWN);
        assertThat(SendOutcomes.classify(FerryException.of(ErrorCode.BATCH_TOO_LARGE, "too large"), false))
            .isEqualTo(Outcome.FAILED);
        assertThat(SendOutcomes.classify(FerryException.of(ErrorCode.INVALID_TOPIC, "bad name"), false))
            .isEqualTo(Outcome.FAILED);
    }
}
