package dev.ferry.cli.perf;

import java.util.Locale;

/**
 * A flat JSON object of a run's figures, one line, for scripts ({@code --json}): keys are fixed identifiers and
 * values numbers or plain strings (topic names are quoted, with quotes and backslashes escaped).
 * Not thread-safe.
 */
final class JsonSummary {
    private final StringBuilder json = new StringBuilder("{");

    /** @return this, with a string field */
    JsonSummary put(final String key, final String value) {
        field(key);
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\');
            }
            if (c < 0x20) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
        return this;
    }

    /** @return this, with an integer field */
    JsonSummary put(final String key, final long value) {
        field(key);
        json.append(value);
        return this;
    }

    /** @return this, with a decimal field (3 decimals) */
    JsonSummary put(final String key, final double value) {
        field(key);
        json.append(Double.isFinite(value) ? String.format(Locale.ROOT, "%.3f", value) : "null");
        return this;
    }

    private void field(final String key) {
        if (json.length() > 1) {
            json.append(',');
        }
        json.append('"').append(key).append("\":");
    }

    @Override
    public String toString() {
        return json + "}";
    }
}
