package dev.ferry.log.record;

import java.util.Objects;

/**
 * A record header passed to {@link RecordBatchBuilder}: a non-null key, written as UTF-8, and a value
 * that may be null. The value array is not copied, so the caller must not change it until it is appended.
 * Readers use {@link RecordCursor}'s allocation-free header accessors instead of this class.
 *
 * <p>Thread-safe if the caller does not mutate the value array.
 *
 * @param key the header key, not null.
 * @param value the header value, or null.
 */
public record Header(String key, byte[] value) {

    /**
     * Validates the key.
     *
     * @param key the header key, not null.
     * @param value the header value, or null.
     * @throws NullPointerException if the key is null.
     */
    public Header {
        Objects.requireNonNull(key, "key");
    }
}
