package dev.ferry.chaos.report;

import dev.ferry.chaos.checker.CheckResult;
import dev.ferry.chaos.history.History;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a chaos run's report into a directory: {@code summary.json} (headline figures, anomalies with examples,
 * faults, unavailability, timeline) and {@code report.html} (the same for people, with a timeline plot). The
 * history itself is written only on request ({@link HistoryFile}), as it can be large.
 *
 * <p>Stateless; thread-safe.
 */
public final class ChaosReport {
    /** The JSON summary's file name. */
    public static final String SUMMARY_JSON = "summary.json";
    /** The HTML page's file name. */
    public static final String REPORT_HTML = "report.html";

    private ChaosReport() {
    }

    /**
     * @param dir the directory to write into, created if missing (e.g. {@code target/chaos-report/<run>})
     * @param run the run's name, seed and settings
     * @param history the run's history
     * @param result the checker's verdict on it
     * @return the directory
     * @throws IOException if the files cannot be written
     */
    public static Path write(final Path dir, final RunInfo run, final History history, final CheckResult result)
            throws IOException {
        Files.createDirectories(dir);
        final Timeline timeline = Timeline.of(history);
        Files.writeString(dir.resolve(SUMMARY_JSON),
                SummaryJson.render(run, history.startWallMs(), result, timeline), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(REPORT_HTML),
                HtmlReport.render(run, history.startWallMs(), result, timeline), StandardCharsets.UTF_8);
        return dir;
    }
}
