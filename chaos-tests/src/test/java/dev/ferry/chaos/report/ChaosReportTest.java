package dev.ferry.chaos.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.chaos.checker.CheckResult;
import dev.ferry.chaos.checker.HistoryChecker;
import dev.ferry.chaos.history.ChaosValue;
import dev.ferry.chaos.history.FaultKind;
import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.chaos.history.ManualClock;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Writes a report of a crafted run into target/chaos-report/checker-report-test and reads it back. */
class ChaosReportTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final Path DIR = Path.of("target", "chaos-report", "checker-report-test");

    private static History history;
    private static CheckResult result;

    /**
     * Three seconds of writes, ten a second, with a kill of the leader from 1.0 s to 1.5 s (writes stall until
     * 1.7 s), one failed send, one acknowledged value missing from the final read, and a value never sent whose
     * id needs escaping in HTML.
     */
    @BeforeAll
    static void writeReport() throws IOException {
        final ManualClock clock = new ManualClock();
        final HistoryRecorder recorder = new HistoryRecorder(clock);
        // Steps by time; steps at the same millisecond run in the order added.
        final TreeMap<Long, List<Runnable>> steps = new TreeMap<>();
        final long[] fault = new long[1];
        final long[] offset = new long[1];
        steps.computeIfAbsent(1000L, t -> new ArrayList<>()).add(() -> fault[0] = recorder.faultStarted(
                FaultKind.LEADER_KILL, "kill <leader> of t-0", List.of("n1"), Set.of(P0)));
        steps.computeIfAbsent(1500L, t -> new ArrayList<>()).add(() -> recorder.faultEnded(fault[0]));
        for (int i = 0; i < 30; i++) {
            final int seq = i;
            final String id = "p1:" + i;
            final long sentMs = i * 100L;
            steps.computeIfAbsent(sentMs, t -> new ArrayList<>()).add(() -> recorder.send("p1", seq, id, P0,
                    ChaosValue.checksum(ChaosValue.encode(id, 8))));
            final long doneMs = i >= 10 && i <= 16 ? 1700 : sentMs + 5;
            steps.computeIfAbsent(doneMs, t -> new ArrayList<>()).add(() -> {
                if (seq == 20) {
                    recorder.failed("p1", id, "NOT_ENOUGH_REPLICAS");
                } else {
                    recorder.acknowledged("p1", id, P0, offset[0]++);
                }
            });
        }
        for (final Map.Entry<Long, List<Runnable>> e : steps.entrySet()) {
            clock.atMs(e.getKey());
            e.getValue().forEach(Runnable::run);
        }
        clock.atMs(3500);
        for (int i = 0, o = 0; i < 30; i++) {
            final String id = "p1:" + i;
            if (i != 20 && i != 3) {
                recorder.read("final", ReaderKind.FINAL, P0, o, id, ChaosValue.checksum(ChaosValue.encode(id, 8)));
            }
            if (i != 20) {
                o++;
            }
        }
        recorder.read("final", ReaderKind.FINAL, P0, 29, "<b>&ghost", 7);
        history = recorder.history();
        result = new HistoryChecker().check(history);
        final Map<String, String> settings = new LinkedHashMap<>();
        settings.put("nodes", "3");
        settings.put("partitions", "1");
        ChaosReport.write(DIR, new RunInfo("checker-report-test", 1234, settings), history, result);
        HistoryFile.write(DIR.resolve(HistoryFile.FILE_NAME), history);
    }

    @Test
    void shouldWriteASummaryThatParsesBackWithTheHeadlineFigures() throws IOException {
        final Map<String, Object> json = MiniJson.object(Files.readString(DIR.resolve(ChaosReport.SUMMARY_JSON)));

        assertThat(json).containsEntry("run", "checker-report-test").containsEntry("seed", 1234.0)
                .containsEntry("valid", false).containsEntry("operations", (double) history.size())
                .containsEntry("sent", 30.0).containsEntry("acknowledged", 29.0).containsEntry("failed", 1.0)
                .containsEntry("unknown", 0.0).containsEntry("lost", 1.0).containsEntry("unexpected", 1.0)
                .containsEntry("duplicated", 0.0).containsEntry("reordered", 0.0).containsEntry("corrupt", 0.0)
                .containsEntry("diverged", 0.0).containsEntry("faultsApplied", 1.0)
                .containsEntry("startedAt", "2026-01-01T00:00:00Z").containsEntry("durationMs", 3500.0)
                .containsEntry("settings", Map.of("nodes", "3", "partitions", "1"));
        // The first write sent after the kill at 1.0 s is acknowledged at 1.7 s.
        assertThat(json.get("unavailabilityMs")).isEqualTo(Map.of("p50", 700.0, "p99", 700.0, "max", 700.0,
                "samples", 1.0, "unrecovered", 0.0));
        assertThat(json.get("faults")).isEqualTo(List.of(Map.of("id", 1.0, "kind", "LEADER_KILL",
                "name", "kill <leader> of t-0", "targets", List.of("n1"), "startMs", 1000.0, "endMs", 1500.0,
                "healed", true)));
        @SuppressWarnings("unchecked")
        final Map<String, Map<String, Object>> anomalies = (Map<String, Map<String, Object>>) json.get("anomalies");
        assertThat(anomalies.get("LOST").get("count")).isEqualTo(1.0);
        assertThat(anomalies.get("LOST").get("examples"))
                .isEqualTo(List.of("value p1:3 acknowledged at t-0@3 by p1 is missing from the final read"));
        @SuppressWarnings("unchecked")
        final Map<String, List<Double>> timeline = (Map<String, List<Double>>) json.get("timeline");
        assertThat(timeline.get("acknowledgedPerSecond")).containsExactly(10.0, 10.0, 9.0, 0.0);
        assertThat(timeline.get("errorsPerSecond")).containsExactly(0.0, 0.0, 1.0, 0.0);
    }

    @Test
    void shouldWriteASelfContainedHtmlPageWithTheTimeline() throws IOException {
        final String html = Files.readString(DIR.resolve(ChaosReport.REPORT_HTML), StandardCharsets.UTF_8);

        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("ANOMALIES FOUND", "<svg", "<polyline", "acknowledged/s", "errors/s")
                .contains("kill &lt;leader&gt; of t-0", "value &lt;b&gt;&amp;ghost read at t-0@29")
                .doesNotContain("<script", "src=", "href=", "<b>&ghost", "<leader>");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http");
    }

    @Test
    void shouldWriteTheHistoryAsOneJsonObjectPerLine() throws IOException {
        final List<String> lines = Files.readAllLines(DIR.resolve(HistoryFile.FILE_NAME));

        assertThat(lines).hasSize(history.size());
        final Map<String, Object> first = MiniJson.object(lines.get(0));
        assertThat(first).containsEntry("type", "Send").containsEntry("producer", "p1")
                .containsEntry("valueId", "p1:0").containsEntry("partition", "t-0");
        assertThat(lines).allSatisfy(line -> assertThat(MiniJson.object(line)).containsKeys("type", "monoNs"));
        assertThat(lines.stream().filter(l -> l.contains("\"type\":\"FaultStart\"")).count()).isEqualTo(1);
    }

    @Test
    void shouldReportAnEmptyHistory() throws IOException {
        final History empty = new HistoryRecorder().history();
        final Path dir = ChaosReport.write(DIR.resolveSibling("checker-report-test-empty"),
                new RunInfo("empty", 7), empty, new HistoryChecker().check(empty));

        final Map<String, Object> json = MiniJson.object(Files.readString(dir.resolve(ChaosReport.SUMMARY_JSON)));

        assertThat(json).containsEntry("valid", true).containsEntry("operations", 0.0).containsEntry("lost", 0.0)
                .containsEntry("durationMs", 0.0);
        assertThat(Files.readString(dir.resolve(ChaosReport.REPORT_HTML))).contains("no anomalies", "<svg");
    }
}
