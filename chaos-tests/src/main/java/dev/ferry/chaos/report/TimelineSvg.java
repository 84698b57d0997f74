package dev.ferry.chaos.report;

import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link Timeline} as inline SVG: acknowledged writes per second on top, errors per second below, on one
 * time axis, with each fault a shaded band across both panels and its label above them (labels on three rows so
 * that close faults stay readable).
 *
 * <p>Stateless; thread-safe.
 */
final class TimelineSvg {
    private static final int WIDTH = 1000;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int ACK_HEIGHT = 170;
    private static final int GAP = 30;
    private static final int ERROR_HEIGHT = 90;
    private static final int HEIGHT = TOP + ACK_HEIGHT + GAP + ERROR_HEIGHT + 40;
    private static final int PLOT_WIDTH = WIDTH - LEFT - RIGHT;
    private static final int[] TICK_STEPS_S = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};

    private TimelineSvg() {
    }

    static String render(final Timeline timeline) {
        final double spanS = Math.max(1, timeline.durationS());
        final StringBuilder out = new StringBuilder(8192);
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        faultBands(out, timeline.faults(), spanS);
        final int errorTop = TOP + ACK_HEIGHT + GAP;
        panel(out, timeline.acknowledgedPerSecond(), spanS, TOP, ACK_HEIGHT, "#1565c0", "acknowledged/s");
        panel(out, timeline.errorsPerSecond(), spanS, errorTop, ERROR_HEIGHT, "#c62828", "errors/s");
        timeAxis(out, spanS, errorTop + ERROR_HEIGHT);
        return out.append("</svg>").toString();
    }

    private static void faultBands(final StringBuilder out, final List<Timeline.FaultInterval> faults,
                                   final double spanS) {
        int i = 0;
        for (final Timeline.FaultInterval fault : faults) {
            final double x0 = x(fault.startS(), spanS);
            final double width = Math.max(1.5, x(fault.endS(), spanS) - x0);
            final int bottom = TOP + ACK_HEIGHT + GAP + ERROR_HEIGHT;
            out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                    + "fill=\"#ff9800\" fill-opacity=\"0.18\"><title>", x0, TOP, width, bottom - TOP))
                    .append(HtmlReport.esc(fault.name() + " (" + fault.kind() + ") " + fault.targets()))
                    .append("</title></rect>\n");
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#e65100\">", x0,
                    12 + (i % 3) * 12)).append(HtmlReport.esc(fault.name())).append("</text>\n");
            i++;
        }
    }

    private static void panel(final StringBuilder out, final long[] perSecond, final double spanS, final int top,
                              final int height, final String colour, final String label) {
        long max = 1;
        for (final long v : perSecond) {
            max = Math.max(max, v);
        }
        final int bottom = top + height;
        out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/>\n", LEFT, top, PLOT_WIDTH, height));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d</text>\n",
                LEFT - 4, top + 10, max));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
                LEFT - 4, bottom));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                LEFT + 4, top + 12, colour, label));
        out.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"1.5\" points=\"");
        for (int s = 0; s < perSecond.length; s++) {
            final double y = bottom - (double) perSecond[s] / max * height;
            out.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(Math.min(s + 0.5, spanS), spanS), y));
        }
        out.append("\"/>\n");
    }

    private static void timeAxis(final StringBuilder out, final double spanS, final int y) {
        int step = TICK_STEPS_S[TICK_STEPS_S.length - 1];
        for (final int candidate : TICK_STEPS_S) {
            if (spanS / candidate <= 12) {
                step = candidate;
                break;
            }
        }
        for (int t = 0; t <= spanS; t += step) {
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%ds</text>\n",
                    x(t, spanS), y + 15, t));
        }
    }

    private static double x(final double seconds, final double spanS) {
        return LEFT + Math.min(seconds, spanS) / spanS * PLOT_WIDTH;
    }
}
