package dev.ferry.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code --name value} options of the perf tools, with defaults and a clear error for a bad value.
 *
 * <p>Not thread-safe.
 */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(final String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            values.put(args[i].substring(2), args[++i]);
        }
    }

    String string(final String name, final String defaultValue) {
        return values.getOrDefault(name, defaultValue);
    }

    long bytes(final String name, final long defaultValue) {
        final String raw = values.get(name);
        if (raw == null) {
            return defaultValue;
        }
        final String v = raw.trim().toLowerCase();
        final long unit = v.endsWith("g") ? 1L << 30 : v.endsWith("m") ? 1L << 20 : v.endsWith("k") ? 1L << 10 : 1;
        try {
            return Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a size like 2g, 64k or 1024, got: " + raw);
        }
    }
}
