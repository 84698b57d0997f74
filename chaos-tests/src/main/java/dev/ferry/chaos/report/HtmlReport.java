package dev.ferry.chaos.report;

import dev.ferry.chaos.checker.AnomalyKind;
import dev.ferry.chaos.checker.CheckResult;
import dev.ferry.chaos.checker.Finding;
import dev.ferry.chaos.checker.HistoryCounts;
import dev.ferry.chaos.checker.Unavailability;
import dev.ferry.chaos.checker.UnavailabilitySample;

import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The run's report as one self-contained HTML page: the verdict, the headline figures, a timeline (acknowledged
 * writes and errors per second, faults as shaded bands) drawn as inline SVG, and tables of anomalies, faults and
 * unavailability. No scripts, no external resources: it opens from a CI artifact as it is.
 *
 * <p>Stateless; thread-safe.
 */
final class HtmlReport {
    /** Unavailability rows shown; the JSON has them all. */
    private static final int MAX_SAMPLE_ROWS = 200;

    private HtmlReport() {
    }

    static String render(final RunInfo run, final long startWallMs, final CheckResult result,
                         final Timeline timeline) {
        final StringBuilder out = new StringBuilder(16_384);
        final String verdict = result.valid() ? "no anomalies" : "ANOMALIES FOUND";
        out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Ferry chaos: ")
                .append(esc(run.name())).append("</title>\n<style>\n")
                .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;")
                .append("margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;")
                .append("vertical-align:top}th{background:#f2f2f2}.ok{color:#1a7f37}.bad{color:#c62828}")
                .append("td.n{text-align:right}code{font-size:90%}\n</style></head><body>\n")
                .append("<h1>Ferry chaos run <code>").append(esc(run.name())).append("</code>: <span class=\"")
                .append(result.valid() ? "ok" : "bad").append("\">").append(verdict).append("</span></h1>\n")
                .append("<p>seed <code>").append(run.seed()).append("</code>, started ")
                .append(esc(Instant.ofEpochMilli(startWallMs).toString())).append(", ")
                .append(String.format(Locale.ROOT, "%.1f", timeline.durationS())).append(" s");
        for (final Map.Entry<String, String> e : run.settings().entrySet()) {
            out.append(", ").append(esc(e.getKey())).append(" <code>").append(esc(e.getValue())).append("</code>");
        }
        out.append("</p>\n");
        summary(out, result);
        out.append("<h2>Timeline</h2>\n").append(TimelineSvg.render(timeline)).append('\n');
        anomalies(out, result);
        faults(out, timeline);
        unavailability(out, result.unavailability());
        return out.append("</body></html>\n").toString();
    }

    private static void summary(final StringBuilder out, final CheckResult result) {
        final HistoryCounts c = result.counts();
        final Unavailability u = result.unavailability();
        out.append("<table>\n");
        row(out, "operations", c.operations());
        row(out, "sent / acknowledged / failed / unknown", c.sent() + " / " + c.acknowledged() + " / "
                + c.failed() + " / " + c.unknown());
        row(out, "reads / commits", c.reads() + " / " + c.commits());
        row(out, "lost", result.count(AnomalyKind.LOST));
        row(out, "duplicated", result.count(AnomalyKind.DUPLICATE));
        row(out, "reordered / out of sequence", result.count(AnomalyKind.REORDERED) + " / "
                + result.count(AnomalyKind.OUT_OF_SEQUENCE));
        row(out, "corrupt / unexpected", result.count(AnomalyKind.CORRUPT) + " / "
                + result.count(AnomalyKind.UNEXPECTED));
        row(out, "diverged partitions", result.count(AnomalyKind.DIVERGED));
        row(out, "faults applied", c.faults());
        row(out, "unavailability p50 / p99 / max (ms)", String.format(Locale.ROOT, "%.1f / %.1f / %.1f (%d samples,"
                + " %d unrecovered)", u.p50Ms(), u.p99Ms(), u.maxMs(), u.samples().size(), u.unrecovered()));
        out.append("</table>\n");
    }

    private static void anomalies(final StringBuilder out, final CheckResult result) {
        out.append("<h2>Checks</h2>\n<table><tr><th>check</th><th>count</th><th>meaning</th>")
                .append("<th>first examples</th></tr>\n");
        for (final AnomalyKind kind : AnomalyKind.values()) {
            final Finding f = result.findings().get(kind);
            out.append("<tr><td>").append(kind.name()).append("</td><td class=\"n ")
                    .append(f.count() == 0 ? "ok" : "bad").append("\">").append(f.count()).append("</td><td>")
                    .append(esc(kind.description())).append("</td><td>");
            for (final String example : f.examples()) {
                out.append("<code>").append(esc(example)).append("</code><br>");
            }
            out.append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private static void faults(final StringBuilder out, final Timeline timeline) {
        out.append("<h2>Faults</h2>\n<table><tr><th>#</th><th>kind</th><th>name</th><th>targets</th>")
                .append("<th>start (s)</th><th>end (s)</th></tr>\n");
        for (final Timeline.FaultInterval f : timeline.faults()) {
            out.append("<tr><td>").append(f.faultId()).append("</td><td>").append(f.kind()).append("</td><td>")
                    .append(esc(f.name())).append("</td><td>").append(esc(String.join(", ", f.targets())))
                    .append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", f.startS()))
                    .append("</td><td class=\"n\">")
                    .append(f.healed() ? String.format(Locale.ROOT, "%.1f", f.endS()) : "never healed")
                    .append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private static void unavailability(final StringBuilder out, final Unavailability u) {
        out.append("<h2>Unavailability after node and leader kills</h2>\n<p>From the fault's start to the ")
                .append("acknowledgement of the first write sent at or after it, per affected partition.</p>\n")
                .append("<table><tr><th>fault</th><th>partition</th><th>ms</th></tr>\n");
        int rows = 0;
        for (final UnavailabilitySample s : u.samples()) {
            if (rows++ == MAX_SAMPLE_ROWS) {
                out.append("<tr><td colspan=\"3\">").append(u.samples().size() - MAX_SAMPLE_ROWS)
                        .append(" more in summary.json</td></tr>\n");
                break;
            }
            out.append("<tr><td>").append(esc(s.faultName())).append("</td><td>")
                    .append(esc(s.partition().toString())).append("</td><td class=\"n\">")
                    .append(s.recovered() ? String.format(Locale.ROOT, "%.1f", s.millis()) : "never")
                    .append("</td></tr>\n");
        }
        out.append("</table>\n");
    }

    private static void row(final StringBuilder out, final String name, final Object value) {
        out.append("<tr><th>").append(esc(name)).append("</th><td class=\"n\">").append(esc(String.valueOf(value)))
                .append("</td></tr>\n");
    }

    /** Escapes text for HTML element content and attribute values. */
    static String esc(final String s) {
        final StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
