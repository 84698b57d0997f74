package dev.ferry.node.metrics;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.network.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Request rate, latency histograms and bytes per API. Meters are created on the first request of an (API, error)
 * pair and cached, so a steady stream of requests allocates nothing here. Thread-safe.
 */
final class RequestMetrics implements RequestObserver {
    private final MeterRegistry registry;
    private final Map<ApiKey, ApiMeters> apis = new ConcurrentHashMap<>();

    RequestMetrics(final MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onResponse(final ApiKey apiKey, final ErrorCode error, final long latencyNanos,
                           final int requestBytes, final long responseBytes) {
        ApiMeters m = apis.get(apiKey);
        if (m == null) {
            m = apis.computeIfAbsent(apiKey, ApiMeters::new);
        }
        m.timer(error).record(latencyNanos, TimeUnit.NANOSECONDS);
        m.requestBytes.increment(requestBytes);
        m.responseBytes.increment(responseBytes);
    }

    private final class ApiMeters {
        private final String api;
        private final Counter requestBytes;
        private final Counter responseBytes;
        private final Map<ErrorCode, Timer> timers = new ConcurrentHashMap<>();

        ApiMeters(final ApiKey apiKey) {
            this.api = apiKey.name();
            this.requestBytes = Counter.builder("ferry.request.bytes").baseUnit("bytes")
                .description("request frame bytes received, per API").tag("api", api).register(registry);
            this.responseBytes = Counter.builder("ferry.response.bytes").baseUnit("bytes")
                .description("response frame bytes sent, records included, per API").tag("api", api)
                .register(registry);
        }

        Timer timer(final ErrorCode error) {
            final Timer t = timers.get(error);
            return t != null ? t : timers.computeIfAbsent(error, this::newTimer);
        }

        private Timer newTimer(final ErrorCode error) {
            // Buckets from 100 us to 60 s: a produce with acks=all takes milliseconds, a long-poll fetch up to
            // its max wait; the bounds keep each histogram to about 70 buckets.
            return Timer.builder("ferry.requests")
                .description("requests answered, from the frame's arrival to the response handed to the socket")
                .tag("api", api).tag("error", error.name())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        }
    }
}
