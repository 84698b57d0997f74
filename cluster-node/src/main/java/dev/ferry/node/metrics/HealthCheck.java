package dev.ferry.node.metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the node is ready to serve, and if not, why: what {@code GET /health/ready} answers. The integrator
 * composes it from the node's parts (registered and unfenced; every hosted replica has a leader, is healthy and
 * is caught up) with {@link #allOf}. Called on the admin HTTP server's thread at each probe: must be quick and
 * must not block on the network.
 */
@FunctionalInterface
public interface HealthCheck {

    /** @return the current status */
    Status check();

    /** Always ready. */
    HealthCheck READY = Status::ok;

    /**
     * @param checks the parts
     * @return a check that is ready when every part is; its reasons are the parts' reasons, in order
     */
    static HealthCheck allOf(final HealthCheck... checks) {
        final List<HealthCheck> parts = List.of(checks);
        return () -> {
            final List<String> reasons = new ArrayList<>();
            for (final HealthCheck c : parts) {
                reasons.addAll(c.check().reasons());
            }
            return reasons.isEmpty() ? Status.ok() : Status.notReady(reasons);
        };
    }

    /**
     * A health status.
     *
     * @param ready whether the node is ready to serve
     * @param reasons why not, one line each (e.g. {@code partition=orders-3 has no leader}); empty when ready
     */
    record Status(boolean ready, List<String> reasons) {
        private static final Status OK = new Status(true, List.of());

        /**
         * @param ready whether ready
         * @param reasons why not; a not-ready status needs at least one
         * @throws IllegalArgumentException when a not-ready status has no reason, or a ready one has reasons
         */
        public Status {
            reasons = List.copyOf(reasons);
            if (ready != reasons.isEmpty()) {
                throw new IllegalArgumentException("a status is ready iff it has no reasons: ready=" + ready
                    + " reasons=" + reasons);
            }
        }

        /** @return ready, no reasons */
        public static Status ok() {
            return OK;
        }

        /**
         * @param reasons why the node is not ready; at least one
         * @return not ready
         */
        public static Status notReady(final List<String> reasons) {
            return new Status(false, reasons);
        }

        /**
         * @param reason why the node is not ready
         * @return not ready
         */
        public static Status notReady(final String reason) {
            return new Status(false, List.of(reason));
        }
    }
}
