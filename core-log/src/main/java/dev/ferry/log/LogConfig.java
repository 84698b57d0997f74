package dev.ferry.log;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Every setting of a partition log: its name, default, accepted range and meaning, in one place.
 *
 * <p>Names follow Kafka's topic configs so operators find what they know. {@link #from(Map)} validates every
 * value once, at start, and names the key in its error; nothing else parses log settings.
 *
 * <table>
 *   <caption>Log settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>segment.bytes</td><td>1073741824 (1 GiB)</td><td>roll the active segment at this size</td></tr>
 *   <tr><td>segment.ms</td><td>604800000 (7 days)</td><td>roll a non-empty active segment this old</td></tr>
 *   <tr><td>segment.index.bytes</td><td>10485760</td><td>preallocated size of each index file</td></tr>
 *   <tr><td>index.interval.bytes</td><td>4096</td><td>bytes of batches between two sparse index entries</td></tr>
 *   <tr><td>retention.ms</td><td>604800000</td><td>delete closed segments older than this; -1 keeps all</td></tr>
 *   <tr><td>retention.bytes</td><td>-1</td><td>delete oldest closed segments above this size; -1 keeps all</td></tr>
 *   <tr><td>flush.messages</td><td>Long.MAX_VALUE</td><td>fsync after this many appended records</td></tr>
 *   <tr><td>flush.ms</td><td>Long.MAX_VALUE</td><td>fsync when the oldest unflushed data is this old</td></tr>
 *   <tr><td>max.batch.bytes</td><td>1048576</td><td>largest accepted record batch, header included</td></tr>
 *   <tr><td>file.delete.delay.ms</td><td>60000</td><td>how long a deleted segment stays readable</td></tr>
 * </table>
 *
 * <p>Immutable and thread-safe.
 */
public final class LogConfig {
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String FLUSH_MESSAGES = "flush.messages";
    public static final String FLUSH_MS = "flush.ms";
    public static final String MAX_BATCH_BYTES = "max.batch.bytes";
    public static final String FILE_DELETE_DELAY_MS = "file.delete.delay.ms";

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        // Positions in the offset index are 32-bit, so a segment can never exceed Integer.MAX_VALUE bytes.
        key(SEGMENT_BYTES, 1L << 30, 128, Integer.MAX_VALUE, "roll the active segment at this size");
        key(SEGMENT_MS, 7L * 24 * 3600 * 1000, 1, Long.MAX_VALUE, "roll a non-empty active segment this old");
        key(SEGMENT_INDEX_BYTES, 10L << 20, 64, Integer.MAX_VALUE, "preallocated size of each index file");
        key(INDEX_INTERVAL_BYTES, 4096, 0, Integer.MAX_VALUE, "bytes between two sparse index entries");
        key(RETENTION_MS, 7L * 24 * 3600 * 1000, -1, Long.MAX_VALUE, "delete closed segments older than this");
        key(RETENTION_BYTES, -1, -1, Long.MAX_VALUE, "delete oldest closed segments above this size");
        key(FLUSH_MESSAGES, Long.MAX_VALUE, 1, Long.MAX_VALUE, "fsync after this many appended records");
        key(FLUSH_MS, Long.MAX_VALUE, 0, Long.MAX_VALUE, "fsync when the oldest unflushed data is this old");
        key(MAX_BATCH_BYTES, 1L << 20, 128, Integer.MAX_VALUE, "largest accepted record batch");
        key(FILE_DELETE_DELAY_MS, 60_000, 0, Long.MAX_VALUE, "how long a deleted segment stays readable");
    }

    /** Every setting at its default. */
    public static final LogConfig DEFAULTS = from(Map.of());

    private final Map<String, Long> values;

    private LogConfig(final Map<String, Long> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Builds a configuration from overrides of the defaults.
     *
     * @param overrides key to value; values may be numbers or decimal strings
     * @return the validated configuration
     * @throws ConfigException naming the key for an unknown key, a malformed value or one out of range
     */
    public static LogConfig from(final Map<String, ?> overrides) {
        final Map<String, Long> values = new LinkedHashMap<>();
        KEYS.forEach((name, key) -> values.put(name, key.defaultValue));
        for (final Map.Entry<String, ?> e : overrides.entrySet()) {
            final Key key = KEYS.get(e.getKey());
            if (key == null) {
                throw new ConfigException("unknown log config key=" + e.getKey() + "; known keys: "
                    + new TreeSet<>(KEYS.keySet()));
            }
            values.put(key.name, key.parse(e.getValue()));
        }
        return new LogConfig(values);
    }

    /**
     * @param overrides settings to change
     * @return a copy of this configuration with the overrides applied and validated
     */
    public LogConfig with(final Map<String, ?> overrides) {
        final Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(overrides);
        return from(merged);
    }

    /** @return every key with its value, in documentation order */
    public Map<String, Long> values() {
        return values;
    }

    /** @return segment.bytes */
    public int segmentBytes() {
        return (int) (long) values.get(SEGMENT_BYTES);
    }

    /** @return segment.ms */
    public long segmentMs() {
        return values.get(SEGMENT_MS);
    }

    /** @return segment.index.bytes */
    public int segmentIndexBytes() {
        return (int) (long) values.get(SEGMENT_INDEX_BYTES);
    }

    /** @return index.interval.bytes */
    public int indexIntervalBytes() {
        return (int) (long) values.get(INDEX_INTERVAL_BYTES);
    }

    /** @return retention.ms, -1 for unlimited */
    public long retentionMs() {
        return values.get(RETENTION_MS);
    }

    /** @return retention.bytes, -1 for unlimited */
    public long retentionBytes() {
        return values.get(RETENTION_BYTES);
    }

    /** @return flush.messages */
    public long flushMessages() {
        return values.get(FLUSH_MESSAGES);
    }

    /** @return flush.ms */
    public long flushMs() {
        return values.get(FLUSH_MS);
    }

    /** @return max.batch.bytes */
    public int maxBatchBytes() {
        return (int) (long) values.get(MAX_BATCH_BYTES);
    }

    /** @return file.delete.delay.ms */
    public long fileDeleteDelayMs() {
        return values.get(FILE_DELETE_DELAY_MS);
    }

    /** @return every setting's definition, in documentation order */
    public static List<Key> keys() {
        return List.copyOf(KEYS.values());
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof LogConfig && ((LogConfig) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "LogConfig" + values;
    }

    private static void key(final String name, final long defaultValue, final long min, final long max,
                            final String doc) {
        KEYS.put(name, new Key(name, defaultValue, min, max, doc));
    }

    /**
     * One setting's definition: layers above the log (a node's {@code log.}-prefixed defaults, its configuration
     * reference) read names, defaults, ranges and meanings from here, so they exist in one place.
     *
     * @param name the key
     * @param defaultValue its default
     * @param min smallest accepted value
     * @param max largest accepted value
     * @param doc what it means
     */
    public record Key(String name, long defaultValue, long min, long max, String doc) {

        long parse(final Object raw) {
            final long value;
            if (raw instanceof Number) {
                value = ((Number) raw).longValue();
            } else {
                try {
                    value = Long.parseLong(String.valueOf(raw).trim());
                } catch (final NumberFormatException e) {
                    throw new ConfigException("invalid value for " + name + ": value=" + raw
                        + " is not an integer; expected a number in [" + min + ", " + max + "]");
                }
            }
            if (value < min || value > max) {
                throw new ConfigException("invalid value for " + name + ": value=" + value
                    + " is out of range [" + min + ", " + max + "] (" + doc + ")");
            }
            return value;
        }
    }
}
