package dev.ferry.chaos.report;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer into a {@link StringBuilder}: objects, arrays, strings, numbers, booleans and
 * null, with the commas and escaping done for the caller. Non-finite doubles are written as null (JSON has no
 * NaN). Misuse (a value where a name is expected) throws {@link IllegalStateException}.
 *
 * <p>Not thread-safe.
 */
public final class JsonWriter {
    private final StringBuilder out;
    /** Per open container: whether the next element is its first (no comma), and whether it is an object. */
    private final Deque<boolean[]> open = new ArrayDeque<>();
    private boolean afterName;

    /** @param out where the JSON goes */
    public JsonWriter(final StringBuilder out) {
        this.out = out;
    }

    /** @return this, after opening an object */
    public JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        open.push(new boolean[] {true, true});
        return this;
    }

    /** @return this, after closing the innermost object */
    public JsonWriter endObject() {
        close(true, '}');
        return this;
    }

    /** @return this, after opening an array */
    public JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        open.push(new boolean[] {true, false});
        return this;
    }

    /** @return this, after closing the innermost array */
    public JsonWriter endArray() {
        close(false, ']');
        return this;
    }

    /**
     * @param name the next member's name, inside an object
     * @return this
     */
    public JsonWriter name(final String name) {
        final boolean[] top = open.peek();
        if (top == null || !top[1] || afterName) {
            throw new IllegalStateException("a name belongs directly inside an object: name=" + name);
        }
        comma(top);
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    /**
     * @param value a string, or null
     * @return this
     */
    public JsonWriter value(final String value) {
        beforeValue();
        if (value == null) {
            out.append("null");
        } else {
            string(value);
        }
        return this;
    }

    /**
     * @param value a number
     * @return this
     */
    public JsonWriter value(final long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /**
     * @param value a number; NaN and infinities are written as null
     * @return this
     */
    public JsonWriter value(final double value) {
        beforeValue();
        if (Double.isFinite(value)) {
            out.append(value);
        } else {
            out.append("null");
        }
        return this;
    }

    /**
     * @param value a boolean
     * @return this
     */
    public JsonWriter value(final boolean value) {
        beforeValue();
        out.append(value);
        return this;
    }

    private void beforeValue() {
        final boolean[] top = open.peek();
        if (top != null && top[1] && !afterName) {
            throw new IllegalStateException("a value inside an object needs a name first");
        }
        if (afterName) {
            afterName = false;
        } else if (top != null) {
            comma(top);
        }
    }

    private void close(final boolean object, final char bracket) {
        final boolean[] top = open.peek();
        if (top == null || top[1] != object || afterName) {
            throw new IllegalStateException("nothing to close with " + bracket);
        }
        open.pop();
        out.append(bracket);
    }

    private void comma(final boolean[] top) {
        if (top[0]) {
            top[0] = false;
        } else {
            out.append(',');
        }
    }

    private void string(final String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
