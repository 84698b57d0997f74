package dev.ferry.node.metrics;

import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.network.RequestObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class AdminHttpServerTest {
    private static final long MS = 1_000_000L;

    @TempDir
    Path tmp;

    private final AtomicReference<HealthCheck.Status> status =
        new AtomicReference<>(HealthCheck.Status.notReady("node=7 not registered with the controller"));
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private NodeMetrics metrics;
    private AdminHttpServer server;

    @BeforeEach
    void start() throws IOException {
        metrics = new NodeMetrics(7, tmp.resolve("data"));
        server = AdminHttpServer.start(7, "127.0.0.1", 0, metrics, status::get);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    private HttpResponse<String> get(final String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(final String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    @Test
    void shouldExportJvmProcessAndDiskMetersTaggedWithTheNode() throws Exception {
        final HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct ->
            assertThat(ct).startsWith("text/plain; version=0.0.4"));
        final String body = r.body();
        for (final String meter : List.of("jvm_memory_used_bytes", "jvm_threads_live_threads",
            "jvm_classes_loaded_classes", "system_cpu_count", "process_uptime_seconds", "process_files_open_files",
            "ferry_disk_total_bytes", "ferry_disk_free_bytes", "ferry_disk_used_bytes")) {
            assertThat(Scrape.samples(body, meter, "node=\"7\"")).as(meter).isNotEmpty();
        }
        assertThat(body).contains("jvm_gc_");
        assertThat(Scrape.value(body, "ferry_disk_total_bytes").orElseThrow()).isPositive();
    }

    @Test
    void shouldExportRequestRateLatencyHistogramAndBytesPerApi() throws Exception {
        final RequestObserver observer = metrics.requestObserver();
        for (int i = 0; i < 3; i++) {
            observer.onResponse(ApiKey.PRODUCE, ErrorCode.NONE, 2 * MS, 100, 50);
        }
        observer.onResponse(ApiKey.PRODUCE, ErrorCode.NOT_LEADER, 1 * MS, 100, 40);
        observer.onResponse(ApiKey.FETCH, ErrorCode.NONE, 500 * MS, 80, 1_000_000);

        final String body = get("/metrics").body();
        assertThat(Scrape.value(body, "ferry_requests_seconds_count", "api=\"PRODUCE\"", "error=\"NONE\"",
            "node=\"7\"")).hasValue(3.0);
        assertThat(Scrape.value(body, "ferry_requests_seconds_count", "api=\"PRODUCE\"", "error=\"NOT_LEADER\""))
            .hasValue(1.0);
        assertThat(Scrape.value(body, "ferry_requests_seconds_sum", "api=\"PRODUCE\"", "error=\"NONE\""))
            .hasValue(0.006);
        assertThat(Scrape.samples(body, "ferry_requests_seconds_bucket", "api=\"FETCH\"", "error=\"NONE\""))
            .as("percentile histogram buckets").hasSizeGreaterThan(10);
        assertThat(Scrape.value(body, "ferry_requests_seconds_bucket", "api=\"FETCH\"", "le=\"+Inf\""))
            .hasValue(1.0);
        assertThat(Scrape.value(body, "ferry_request_bytes_total", "api=\"PRODUCE\"")).hasValue(400.0);
        assertThat(Scrape.value(body, "ferry_response_bytes_total", "api=\"PRODUCE\"")).hasValue(190.0);
        assertThat(Scrape.value(body, "ferry_response_bytes_total", "api=\"FETCH\"")).hasValue(1_000_000.0);
    }

    @Test
    void shouldCountBytesAndRecordsInAndOutPerTopic() throws Exception {
        final TrafficRecorder traffic = metrics.trafficRecorder();
        traffic.produced("orders", 1000, 10);
        traffic.produced("orders", 500, 5);
        traffic.fetched("orders", 700, 7);
        traffic.produced("clicks", 42, 1);

        String body = get("/metrics").body();
        assertThat(Scrape.value(body, "ferry_topic_in_bytes_total", "topic=\"orders\"", "node=\"7\""))
            .hasValue(1500.0);
        assertThat(Scrape.value(body, "ferry_topic_in_records_total", "topic=\"orders\"")).hasValue(15.0);
        assertThat(Scrape.value(body, "ferry_topic_out_bytes_total", "topic=\"orders\"")).hasValue(700.0);
        assertThat(Scrape.value(body, "ferry_topic_out_records_total", "topic=\"orders\"")).hasValue(7.0);
        assertThat(Scrape.value(body, "ferry_topic_in_bytes_total", "topic=\"clicks\"")).hasValue(42.0);

        metrics.removeTopic("clicks");
        body = get("/metrics").body();
        assertThat(Scrape.samples(body, "ferry_topic_in_bytes_total", "topic=\"clicks\"")).isEmpty();
        assertThat(Scrape.value(body, "ferry_topic_in_bytes_total", "topic=\"orders\"")).hasValue(1500.0);
    }

    @Test
    void shouldNotAllocatePerCallOnceAMetersAreCached() {
        final TrafficRecorder traffic = metrics.trafficRecorder();
        final RequestObserver observer = metrics.requestObserver();
        final Runnable calls = () -> {
            for (int i = 0; i < 10_000; i++) {
                traffic.produced("orders", 100, 1);
                traffic.fetched("orders", 100, 1);
                observer.onResponse(ApiKey.PRODUCE, ErrorCode.NONE, 3 * MS, 100, 50);
            }
        };
        calls.run();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        final long id = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(id);
        calls.run();
        final long allocated = threads.getThreadAllocatedBytes(id) - before;
        // 30,000 calls; a per-call Tags or String would be over 700 KB.
        assertThat(allocated).as("bytes allocated by 30,000 calls").isLessThan(64 << 10);
    }

    @Test
    void shouldAnswerReadyOnlyWhenTheHealthCheckSaysSo() throws Exception {
        HttpResponse<String> r = get("/health/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo(
            "{\"status\":\"not_ready\",\"reasons\":[\"node=7 not registered with the controller\"]}");

        status.set(HealthCheck.Status.notReady(List.of("partition=orders-0 has no leader",
            "partition=orders-1 log is \"behind\"")));
        r = get("/health/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("\"partition=orders-0 has no leader\"")
            .contains("\"partition=orders-1 log is \\\"behind\\\"\"");

        status.set(HealthCheck.Status.ok());
        r = get("/health/ready");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"status\":\"ready\"}");
    }

    @Test
    void shouldBeLiveWhateverTheReadiness() throws Exception {
        final HttpResponse<String> r = get("/health/live");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("live");
    }

    @Test
    void shouldAnswerNotReadyWhenTheHealthCheckThrows() throws Exception {
        try (AdminHttpServer broken = AdminHttpServer.start(7, "127.0.0.1", 0, metrics, () -> {
            throw new IllegalStateException("controller unreachable");
        })) {
            final HttpResponse<String> r = send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + broken.port() + "/health/ready")).GET());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("controller unreachable");
        }
    }

    @Test
    void shouldAnswer404ForOtherPathsAnd405ForOtherMethods() throws Exception {
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
        assertThat(get("/health").statusCode()).isEqualTo(404);
        final HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/metrics"))
            .POST(HttpRequest.BodyPublishers.ofString("x")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(get("/metrics").statusCode()).as("still serving").isEqualTo(200);
    }

    @Test
    void shouldComposeChecksKeepingEveryReason() {
        final HealthCheck composed = HealthCheck.allOf(HealthCheck.READY,
            () -> HealthCheck.Status.notReady("a"), () -> HealthCheck.Status.notReady(List.of("b", "c")));
        assertThat(composed.check().ready()).isFalse();
        assertThat(composed.check().reasons()).containsExactly("a", "b", "c");
        assertThat(HealthCheck.allOf(HealthCheck.READY, HealthCheck.READY).check().ready()).isTrue();
    }
}
