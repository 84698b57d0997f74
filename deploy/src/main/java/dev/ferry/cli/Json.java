package dev.ferry.cli;

import java.util.Collection;
import java.util.Map;

/**
 * Writes maps, collections, strings, numbers, booleans and null as compact JSON: enough for {@code --format json}
 * without a JSON library on the distribution's class path. Maps keep their iteration order.
 */
public final class Json {
    private Json() {
    }

    /**
     * @param value a Map (String keys), Collection, CharSequence, Number, Boolean or null
     * @return its JSON text on one line
     */
    public static String write(final Object value) {
        final StringBuilder b = new StringBuilder();
        append(b, value);
        return b.toString();
    }

    private static void append(final StringBuilder b, final Object value) {
        if (value == null) {
            b.append("null");
        } else if (value instanceof Number || value instanceof Boolean) {
            b.append(value);
        } else if (value instanceof Map<?, ?> map) {
            b.append('{');
            boolean first = true;
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                b.append(first ? "" : ",");
                first = false;
                string(b, String.valueOf(e.getKey()));
                b.append(':');
                append(b, e.getValue());
            }
            b.append('}');
        } else if (value instanceof Collection<?> list) {
            b.append('[');
            boolean first = true;
            for (final Object o : list) {
                b.append(first ? "" : ",");
                first = false;
                append(b, o);
            }
            b.append(']');
        } else {
            string(b, value.toString());
        }
    }

    private static void string(final StringBuilder b, final String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
