package dev.ferry.node.server;

import dev.ferry.log.ConfigException;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One node property: its name, type, default, what is accepted and what it means. The same definition parses
 * the value and documents it (CONFIGURATION.md is checked against these), so the two cannot drift apart.
 *
 * <p>Immutable and thread-safe.
 */
public final class ConfigKey {
    private final String name;
    private final String type;
    private final String defaultValue;
    private final String documentedDefault;
    private final String allowed;
    private final String doc;
    private final Function<String, Object> parser;

    private ConfigKey(final String name, final String type, final String defaultValue,
                      final String documentedDefault, final String allowed, final String doc,
                      final Function<String, Object> parser) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.documentedDefault = documentedDefault;
        this.allowed = allowed;
        this.doc = doc;
        this.parser = parser;
    }

    /**
     * @param name the key
     * @param type the type as documented (int, long, string, path, ...)
     * @param defaultValue the default as it would be written in the file; null when required or derived
     * @param documentedDefault how the default reads in the documentation
     * @param allowed what values are accepted, in words
     * @param doc what the key means
     * @param parser turns the raw text into the typed value; throws {@link ConfigException} naming the key
     * @return the key
     */
    static ConfigKey of(final String name, final String type, final String defaultValue,
                        final String documentedDefault, final String allowed, final String doc,
                        final Function<String, Object> parser) {
        return new ConfigKey(name, type, defaultValue, documentedDefault, allowed, doc, parser);
    }

    /**
     * @param name the key
     * @param defaultValue the default
     * @param min smallest accepted value
     * @param max largest accepted value
     * @param doc what the key means
     * @return an int key with a range
     */
    static ConfigKey intKey(final String name, final int defaultValue, final int min, final int max,
                            final String doc) {
        return intKey(name, Integer.toString(defaultValue), Integer.toString(defaultValue), min, max, doc);
    }

    /**
     * @param name the key
     * @param defaultValue the raw default, or null when required or derived
     * @param documentedDefault how the default reads in the documentation
     * @param min smallest accepted value
     * @param max largest accepted value
     * @param doc what the key means
     * @return an int key with a range
     */
    static ConfigKey intKey(final String name, final String defaultValue, final String documentedDefault,
                            final int min, final int max, final String doc) {
        return new ConfigKey(name, "int", defaultValue, documentedDefault, range(min, max), doc,
            raw -> (int) parseLong(name, raw, min, max));
    }

    /**
     * @param name the key
     * @param defaultValue the default
     * @param min smallest accepted value
     * @param max largest accepted value
     * @param doc what the key means
     * @return a long key with a range
     */
    static ConfigKey longKey(final String name, final long defaultValue, final long min, final long max,
                             final String doc) {
        return new ConfigKey(name, "long", Long.toString(defaultValue), Long.toString(defaultValue),
            range(min, max), doc, raw -> parseLong(name, raw, min, max));
    }

    /**
     * @param key the key, for the message
     * @param raw the text
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the value
     * @throws ConfigException naming the key, the value and the range
     */
    static long parseLong(final String key, final String raw, final long min, final long max) {
        final long value;
        try {
            value = Long.parseLong(raw.trim());
        } catch (final NumberFormatException e) {
            throw invalid(key, raw, "not an integer; expected an integer in " + range(min, max));
        }
        if (value < min || value > max) {
            throw invalid(key, raw, "out of range; expected an integer in " + range(min, max));
        }
        return value;
    }

    /**
     * @param key the key
     * @param raw the offending value
     * @param why what is wrong and what is accepted
     * @return the exception to throw
     */
    static ConfigException invalid(final String key, final String raw, final String why) {
        return new ConfigException("invalid value for " + key + ": value=\"" + raw + "\" is " + why);
    }

    private static String range(final long min, final long max) {
        return "[" + bound(min) + ", " + bound(max) + "]";
    }

    private static String bound(final long v) {
        if (v == Integer.MAX_VALUE) {
            return "2147483647";
        }
        return v == Long.MAX_VALUE ? "9223372036854775807" : Long.toString(v);
    }

    /**
     * @param raw the text from the file, the environment or an override
     * @return the typed value
     * @throws ConfigException naming this key, the value and what is accepted
     */
    Object parse(final String raw) {
        return parser.apply(Objects.requireNonNull(raw, name));
    }

    /** @return the key, e.g. {@code listener.port} */
    public String name() {
        return name;
    }

    /** @return the environment variable that overrides the key: FERRY_ and the key upper-cased, . as _ */
    public String envVar() {
        return envVar(name);
    }

    /**
     * @param key a key
     * @return FERRY_ and the key upper-cased, dots as underscores
     */
    static String envVar(final String key) {
        return "FERRY_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** @return the type as documented */
    public String type() {
        return type;
    }

    /** @return the default as written in a file, or null when the key is required or its default is derived */
    public String defaultValue() {
        return defaultValue;
    }

    /** @return how the default reads in the documentation ("required" for a required key) */
    public String documentedDefault() {
        return documentedDefault;
    }

    /** @return the accepted values, in words */
    public String allowed() {
        return allowed;
    }

    /** @return what the key means */
    public String doc() {
        return doc;
    }

    @Override
    public String toString() {
        return name;
    }
}
