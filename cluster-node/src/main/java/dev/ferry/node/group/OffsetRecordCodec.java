package dev.ferry.node.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The records of {@code __consumer_offsets}: one record per committed offset, keyed by group, topic and
 * partition, so that replaying the partition keeps the latest record per key. A null value is a tombstone (the
 * group's offset was deleted). All integers big-endian.
 *
 * <pre>
 *   key (version 1):
 *     int16  key version (1 = committed offset; other versions are reserved for group metadata and skipped)
 *     int16  group id length, then its UTF-8 bytes
 *     int16  topic length, then its UTF-8 bytes
 *     int32  partition
 *   value (version 1), or null for a tombstone:
 *     int16  value version (1)
 *     int64  offset
 *     int64  commit timestamp, ms since the epoch
 *     int32  metadata length, then its UTF-8 bytes
 * </pre>
 *
 * <p>A reader that meets a newer value version reads the version-1 prefix and ignores trailing fields, so new
 * fields go at the end. Records come from disk: a malformed one throws {@link IllegalArgumentException} naming
 * the problem and the loader skips it. Thread-safe (stateless).
 */
public final class OffsetRecordCodec {
    /** The key version of committed-offset records. */
    public static final short OFFSET_KEY_VERSION = 1;
    /** The value version written. */
    public static final short OFFSET_VALUE_VERSION = 1;
    /** Longest metadata accepted with a commit, as Kafka's offset.metadata.max.bytes default. */
    public static final int MAX_METADATA_CHARS = 4096;

    private OffsetRecordCodec() {
    }

    /**
     * A decoded key.
     *
     * @param group the group id
     * @param partition the topic partition
     */
    public record Key(String group, TopicPartition partition) {
    }

    /**
     * @param group group id
     * @param tp topic partition
     * @return the key bytes
     */
    public static byte[] encodeKey(final String group, final TopicPartition tp) {
        final byte[] g = group.getBytes(StandardCharsets.UTF_8);
        final byte[] t = tp.topic().getBytes(StandardCharsets.UTF_8);
        if (g.length > Short.MAX_VALUE || t.length > Short.MAX_VALUE) {
            throw new IllegalArgumentException("group or topic name too long: group bytes=" + g.length
                + " topic bytes=" + t.length);
        }
        return ByteBuffer.allocate(2 + 2 + g.length + 2 + t.length + 4).putShort(OFFSET_KEY_VERSION)
            .putShort((short) g.length).put(g).putShort((short) t.length).put(t).putInt(tp.partition()).array();
    }

    /**
     * @param value the offset
     * @return the value bytes
     */
    public static byte[] encodeValue(final OffsetAndMetadata value) {
        final byte[] m = value.metadata().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + 8 + 8 + 4 + m.length).putShort(OFFSET_VALUE_VERSION).putLong(value.offset())
            .putLong(value.commitTimestampMs()).putInt(m.length).put(m).array();
    }

    /**
     * @param key key bytes from the log
     * @return the key, or null for a key version this reader does not know (skip the record)
     * @throws IllegalArgumentException when the bytes are malformed
     */
    public static Key decodeKey(final byte[] key) {
        if (key == null || key.length < 2) {
            throw new IllegalArgumentException("offsets record key missing or shorter than its version");
        }
        final ByteBuffer b = ByteBuffer.wrap(key);
        if (b.getShort() != OFFSET_KEY_VERSION) {
            return null;
        }
        try {
            final String group = string(b, b.getShort());
            final String topic = string(b, b.getShort());
            final int partition = b.getInt();
            if (partition < 0) {
                throw new IllegalArgumentException("negative partition in offsets record key: " + partition);
            }
            return new Key(group, new TopicPartition(topic, partition));
        } catch (final java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("offsets record key truncated: length=" + key.length, e);
        }
    }

    /**
     * @param value value bytes from the log, or null for a tombstone
     * @return the offset, or null for a tombstone
     * @throws IllegalArgumentException when the bytes are malformed
     */
    public static OffsetAndMetadata decodeValue(final byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            final ByteBuffer b = ByteBuffer.wrap(value);
            final short version = b.getShort();
            if (version < 1) {
                throw new IllegalArgumentException("offsets record value version " + version + " is not valid");
            }
            final long offset = b.getLong();
            final long timestamp = b.getLong();
            return new OffsetAndMetadata(offset, string(b, b.getInt()), timestamp);
        } catch (final java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("offsets record value truncated: length=" + value.length, e);
        }
    }

    private static String string(final ByteBuffer b, final int length) {
        if (length < 0 || length > b.remaining()) {
            throw new IllegalArgumentException("string length " + length + " exceeds the record's remaining "
                + b.remaining() + " bytes");
        }
        final String s = new String(b.array(), b.position(), length, StandardCharsets.UTF_8);
        b.position(b.position() + length);
        return s;
    }
}
