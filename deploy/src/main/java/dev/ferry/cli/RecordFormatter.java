package dev.ferry.cli;

import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.log.record.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How {@code ferry consume -f} prints a record: {@code value} (the value alone, the default), {@code json} (one
 * object per line) or a template in rpk's style, compiled once: {@code %t} topic, {@code %p} partition, {@code %o}
 * offset, {@code %k} key, {@code %v} value, {@code %T} timestamp (ms), {@code %h} headers as k=v,k=v,
 * {@code %%} a percent sign, and the escapes {@code \n \t \\}. Each record ends with a newline unless the template
 * already ends with one. Keys, values and headers print as UTF-8; a missing key or value prints as nothing (null in
 * JSON).
 */
final class RecordFormatter {
    private final boolean json;
    private final List<Object> parts;

    private RecordFormatter(final boolean json, final List<Object> parts) {
        this.json = json;
        this.parts = parts;
    }

    /**
     * @param format value, json, or a template
     * @return the formatter
     * @throws UsageException naming an unknown %-directive or escape
     */
    static RecordFormatter of(final String format) {
        if ("json".equals(format)) {
            return new RecordFormatter(true, List.of());
        }
        final String template = "value".equals(format) ? "%v" : format;
        final List<Object> parts = new ArrayList<>();
        final StringBuilder literal = new StringBuilder();
        for (int i = 0; i < template.length(); i++) {
            final char c = template.charAt(i);
            if ((c == '%' || c == '\\') && i + 1 < template.length()) {
                final char next = template.charAt(++i);
                if (c == '\\') {
                    literal.append(escape(next));
                } else if (next == '%') {
                    literal.append('%');
                } else {
                    if (literal.length() > 0) {
                        parts.add(literal.toString());
                        literal.setLength(0);
                    }
                    parts.add(directive(next));
                }
            } else if (c == '%' || c == '\\') {
                throw new UsageException("--format '" + format + "' ends with a lone " + c);
            } else {
                literal.append(c);
            }
        }
        if (literal.length() == 0 || literal.charAt(literal.length() - 1) != '\n') {
            literal.append('\n');
        }
        parts.add(literal.toString());
        return new RecordFormatter(false, List.copyOf(parts));
    }

    private static char escape(final char c) {
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case '\\' -> '\\';
            default -> throw new UsageException("--format: unknown escape \\" + c + " (known: \\n \\t \\\\)");
        };
    }

    private static Character directive(final char c) {
        if ("tpokvTh".indexOf(c) < 0) {
            throw new UsageException("--format: unknown directive %" + c
                + " (known: %t topic, %p partition, %o offset, %k key, %v value, %T timestamp, %h headers, %%)");
        }
        return c;
    }

    /**
     * @param r a record
     * @return its text, ending with a newline
     */
    String format(final ConsumerRecord r) {
        if (json) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("topic", r.topic());
            m.put("partition", r.partition());
            m.put("offset", r.offset());
            m.put("timestamp", r.timestamp());
            m.put("key", r.key() == null ? null : utf8(r.key()));
            m.put("value", r.value() == null ? null : utf8(r.value()));
            final List<Object> headers = new ArrayList<>();
            for (final Header h : r.headers()) {
                final Map<String, Object> hm = new LinkedHashMap<>();
                hm.put("key", h.key());
                hm.put("value", h.value() == null ? null : utf8(h.value()));
                headers.add(hm);
            }
            m.put("headers", headers);
            return Json.write(m) + "\n";
        }
        final StringBuilder b = new StringBuilder();
        for (final Object part : parts) {
            if (part instanceof String s) {
                b.append(s);
            } else {
                b.append(field((Character) part, r));
            }
        }
        return b.toString();
    }

    private static String field(final char c, final ConsumerRecord r) {
        return switch (c) {
            case 't' -> r.topic();
            case 'p' -> Integer.toString(r.partition());
            case 'o' -> Long.toString(r.offset());
            case 'k' -> r.key() == null ? "" : utf8(r.key());
            case 'v' -> r.value() == null ? "" : utf8(r.value());
            case 'T' -> Long.toString(r.timestamp());
            default -> headers(r);
        };
    }

    private static String headers(final ConsumerRecord r) {
        final StringBuilder b = new StringBuilder();
        for (final Header h : r.headers()) {
            b.append(b.length() == 0 ? "" : ",").append(h.key()).append('=')
                .append(h.value() == null ? "" : utf8(h.value()));
        }
        return b.toString();
    }

    private static String utf8(final byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
