package dev.ferry.log.record;

import java.nio.ByteBuffer;

/**
 * Zig-zag varints and varlongs (as in Kafka's v2 records and protobuf's {@code sint32}/{@code sint64}) and
 * UTF-8 encoding, read and written at absolute indexes of a {@link ByteBuffer} without allocating and
 * without touching the buffer's position or limit.
 *
 * <p>Readers accept only the canonical (shortest) encoding, so {@link #sizeOfVarint(int)} of the value
 * read is exactly the number of bytes consumed; that lets callers advance without a second return value.
 * Every other malformation (more than 5 or 10 bytes, bits beyond 32 or 64, running past the limit) is a
 * {@link CorruptBatchException}. The writers always produce the canonical encoding.
 *
 * <p>Thread-safe (stateless).
 */
public final class ByteUtils {

    /** Longest encoding of a varint. */
    public static final int MAX_VARINT_BYTES = 5;
    /** Longest encoding of a varlong. */
    public static final int MAX_VARLONG_BYTES = 10;

    private static final int PAYLOAD_MASK = 0x7F;
    private static final int CONTINUATION_BIT = 0x80;
    /** The 5th varint byte carries bits 28-31 only. */
    private static final int LAST_VARINT_BYTE_MAX = 0x0F;
    /** The 10th varlong byte carries bit 63 only. */
    private static final int LAST_VARLONG_BYTE_MAX = 0x01;
    /** Encoded in place of an unpaired surrogate, as {@code String.getBytes(UTF_8)} does. */
    private static final byte UTF8_REPLACEMENT = '?';

    private ByteUtils() {
    }

    /**
     * Reads a zig-zag varint at an absolute index, bounded by the buffer's limit.
     *
     * @param buffer the buffer to read; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @return the decoded value; it occupied {@link #sizeOfVarint(int) sizeOfVarint(value)} bytes.
     * @throws CorruptBatchException if the encoding is malformed or runs past the limit.
     */
    public static int readVarint(final ByteBuffer buffer, final int index) {
        return readVarint(buffer, index, buffer.limit());
    }

    /**
     * Reads a zig-zag varint at an absolute index, bounded by {@code limit}.
     *
     * @param buffer the buffer to read; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @param limit absolute index one past the last byte the varint may use (capped at the buffer's limit).
     * @return the decoded value; it occupied {@link #sizeOfVarint(int) sizeOfVarint(value)} bytes.
     * @throws CorruptBatchException if the encoding is malformed or runs past the limit.
     */
    public static int readVarint(final ByteBuffer buffer, final int index, final int limit) {
        final int end = Math.min(limit, buffer.limit());
        int raw = 0;
        for (int i = 0; i < MAX_VARINT_BYTES; i++) {
            final int position = index + i;
            if (position >= end || position < 0) {
                throw new CorruptBatchException("malformed varint: runs past limit: index=" + index + ", limit=" + end);
            }
            final int b = buffer.get(position);
            raw |= (b & PAYLOAD_MASK) << (7 * i);
            if ((b & CONTINUATION_BIT) == 0) {
                checkLastByte("varint", b, i, MAX_VARINT_BYTES, LAST_VARINT_BYTE_MAX, index);
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new CorruptBatchException("malformed varint: longer than " + MAX_VARINT_BYTES + " bytes: index=" + index);
    }

    /**
     * Reads a zig-zag varlong at an absolute index, bounded by the buffer's limit.
     *
     * @param buffer the buffer to read; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @return the decoded value; it occupied {@link #sizeOfVarlong(long) sizeOfVarlong(value)} bytes.
     * @throws CorruptBatchException if the encoding is malformed or runs past the limit.
     */
    public static long readVarlong(final ByteBuffer buffer, final int index) {
        return readVarlong(buffer, index, buffer.limit());
    }

    /**
     * Reads a zig-zag varlong at an absolute index, bounded by {@code limit}.
     *
     * @param buffer the buffer to read; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @param limit absolute index one past the last byte the varlong may use (capped at the buffer's limit).
     * @return the decoded value; it occupied {@link #sizeOfVarlong(long) sizeOfVarlong(value)} bytes.
     * @throws CorruptBatchException if the encoding is malformed or runs past the limit.
     */
    public static long readVarlong(final ByteBuffer buffer, final int index, final int limit) {
        final int end = Math.min(limit, buffer.limit());
        long raw = 0;
        for (int i = 0; i < MAX_VARLONG_BYTES; i++) {
            final int position = index + i;
            if (position >= end || position < 0) {
                throw new CorruptBatchException("malformed varlong: runs past limit: index=" + index
                    + ", limit=" + end);
            }
            final int b = buffer.get(position);
            raw |= (long) (b & PAYLOAD_MASK) << (7 * i);
            if ((b & CONTINUATION_BIT) == 0) {
                checkLastByte("varlong", b, i, MAX_VARLONG_BYTES, LAST_VARLONG_BYTE_MAX, index);
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new CorruptBatchException(
            "malformed varlong: longer than " + MAX_VARLONG_BYTES + " bytes: index=" + index);
    }

    private static void checkLastByte(final String kind, final int b, final int i, final int maxBytes,
                                      final int lastMax, final int index) {
        // A zero final byte is padding: the value has a shorter encoding, and accepting it would make the
        // consumed length differ from sizeOfVarint(value), desynchronising every reader that relies on it.
        if (i > 0 && b == 0) {
            throw new CorruptBatchException("malformed " + kind + ": non-canonical encoding: index=" + index
                + ", length=" + (i + 1));
        }
        if (i == maxBytes - 1 && b > lastMax) {
            throw new CorruptBatchException("malformed " + kind + ": value overflows: index=" + index
                + ", lastByte=0x" + Integer.toHexString(b));
        }
    }

    /**
     * Writes a zig-zag varint at an absolute index.
     *
     * @param value the value.
     * @param buffer the buffer to write; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @return the number of bytes written, {@link #sizeOfVarint(int) sizeOfVarint(value)}.
     * @throws IndexOutOfBoundsException if the encoding does not fit before the limit.
     */
    public static int writeVarint(final int value, final ByteBuffer buffer, final int index) {
        int raw = (value << 1) ^ (value >> 31);
        int position = index;
        while ((raw & ~PAYLOAD_MASK) != 0) {
            buffer.put(position++, (byte) ((raw & PAYLOAD_MASK) | CONTINUATION_BIT));
            raw >>>= 7;
        }
        buffer.put(position++, (byte) raw);
        return position - index;
    }

    /**
     * Writes a zig-zag varlong at an absolute index.
     *
     * @param value the value.
     * @param buffer the buffer to write; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @return the number of bytes written, {@link #sizeOfVarlong(long) sizeOfVarlong(value)}.
     * @throws IndexOutOfBoundsException if the encoding does not fit before the limit.
     */
    public static int writeVarlong(final long value, final ByteBuffer buffer, final int index) {
        long raw = (value << 1) ^ (value >> 63);
        int position = index;
        while ((raw & ~PAYLOAD_MASK) != 0) {
            buffer.put(position++, (byte) ((raw & PAYLOAD_MASK) | CONTINUATION_BIT));
            raw >>>= 7;
        }
        buffer.put(position++, (byte) raw);
        return position - index;
    }

    /**
     * Returns the encoded size of a zig-zag varint.
     *
     * @param value the value.
     * @return 1 to 5.
     */
    public static int sizeOfVarint(final int value) {
        final int raw = (value << 1) ^ (value >> 31);
        return (38 - Integer.numberOfLeadingZeros(raw | 1)) / 7;
    }

    /**
     * Returns the encoded size of a zig-zag varlong.
     *
     * @param value the value.
     * @return 1 to 10.
     */
    public static int sizeOfVarlong(final long value) {
        final long raw = (value << 1) ^ (value >> 63);
        return (70 - Long.numberOfLeadingZeros(raw | 1)) / 7;
    }

    /**
     * Returns the UTF-8 length of a string without encoding it. Unpaired surrogates count as one byte,
     * matching {@link #writeUtf8(String, ByteBuffer, int)} and {@code String.getBytes(UTF_8)}.
     *
     * @param value the string.
     * @return its length in UTF-8 bytes.
     */
    public static int utf8Length(final String value) {
        final int length = value.length();
        int bytes = 0;
        for (int i = 0; i < length; i++) {
            final char c = value.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (isSurrogatePair(value, i, c)) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static boolean isSurrogatePair(final String value, final int i, final char c) {
        return Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1));
    }

    /**
     * Encodes a string as UTF-8 at an absolute index without allocating. Unpaired surrogates become
     * {@code '?'}, as with {@code String.getBytes(UTF_8)}.
     *
     * @param value the string.
     * @param buffer the buffer to write; position and limit are not changed.
     * @param index absolute index of the first byte.
     * @return the number of bytes written, {@link #utf8Length(String) utf8Length(value)}.
     * @throws IndexOutOfBoundsException if the encoding does not fit before the limit.
     */
    public static int writeUtf8(final String value, final ByteBuffer buffer, final int index) {
        final int length = value.length();
        int position = index;
        for (int i = 0; i < length; i++) {
            final char c = value.charAt(i);
            if (c < 0x80) {
                buffer.put(position++, (byte) c);
            } else if (c < 0x800) {
                buffer.put(position++, (byte) (0xC0 | (c >> 6)));
                buffer.put(position++, (byte) (0x80 | (c & 0x3F)));
            } else if (isSurrogatePair(value, i, c)) {
                final int codePoint = Character.toCodePoint(c, value.charAt(++i));
                buffer.put(position++, (byte) (0xF0 | (codePoint >> 18)));
                buffer.put(position++, (byte) (0x80 | ((codePoint >> 12) & 0x3F)));
                buffer.put(position++, (byte) (0x80 | ((codePoint >> 6) & 0x3F)));
                buffer.put(position++, (byte) (0x80 | (codePoint & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                buffer.put(position++, UTF8_REPLACEMENT);
            } else {
                buffer.put(position++, (byte) (0xE0 | (c >> 12)));
                buffer.put(position++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                buffer.put(position++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return position - index;
    }
}
