package dev.ferry.chaos.history;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The values a chaos workload writes: each carries its unique id and a checksum of itself, so a reader can tell
 * which send a record came from and whether its bytes are intact, without asking anyone.
 *
 * <pre>
 *   0        2                2+n                      end-4      end
 *   | idLen  | id (UTF-8, n)  | filler (payload bytes)  | CRC32C   |
 * </pre>
 *
 * <p>The CRC32C covers everything before it; the filler is derived from the id, so two values never share bytes
 * by accident. {@link #checksum} is what the history records on both sides: a CRC32C of the whole value.
 *
 * <p>Stateless; thread-safe.
 */
public final class ChaosValue {
    private static final int ID_LENGTH_BYTES = 2;
    private static final int CRC_BYTES = 4;

    private ChaosValue() {
    }

    /**
     * @param valueId the value's unique id, at most 65535 UTF-8 bytes
     * @param payloadBytes filler bytes to add, to give the value a realistic size
     * @return the value's bytes
     */
    public static byte[] encode(final String valueId, final int payloadBytes) {
        final byte[] id = valueId.getBytes(StandardCharsets.UTF_8);
        if (id.length > 0xFFFF || payloadBytes < 0) {
            throw new IllegalArgumentException("valueId of at most 65535 bytes and payloadBytes >= 0: idBytes="
                    + id.length + " payloadBytes=" + payloadBytes);
        }
        final ByteBuffer out = ByteBuffer.allocate(ID_LENGTH_BYTES + id.length + payloadBytes + CRC_BYTES);
        out.putShort((short) id.length).put(id);
        int filler = valueId.hashCode();
        for (int i = 0; i < payloadBytes; i++) {
            filler = filler * 1_103_515_245 + 12_345;
            out.put((byte) (filler >>> 24));
        }
        final CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * @param value bytes as written or as read
     * @return the CRC32C of all of them, as recorded in sends and reads
     */
    public static long checksum(final byte[] value) {
        final CRC32C crc = new CRC32C();
        crc.update(value, 0, value.length);
        return crc.getValue();
    }

    /**
     * Reads a value's id and checks its embedded CRC. Never throws: damaged bytes give {@code valueId == null} or
     * {@code intact == false}.
     *
     * @param value bytes as read; null is treated as empty
     * @return the id (null if the bytes are too damaged to hold one), the checksum, and whether the CRC matched
     */
    public static Decoded decode(final byte[] value) {
        final byte[] bytes = value == null ? new byte[0] : value;
        final long checksum = checksum(bytes);
        if (bytes.length < ID_LENGTH_BYTES + CRC_BYTES) {
            return new Decoded(null, checksum, false);
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final int idLength = Short.toUnsignedInt(in.getShort());
        if (ID_LENGTH_BYTES + idLength + CRC_BYTES > bytes.length) {
            return new Decoded(null, checksum, false);
        }
        final String id = new String(bytes, ID_LENGTH_BYTES, idLength, StandardCharsets.UTF_8);
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - CRC_BYTES);
        final boolean intact = (int) crc.getValue() == in.getInt(bytes.length - CRC_BYTES);
        return new Decoded(id, checksum, intact);
    }

    /**
     * A decoded value.
     *
     * @param valueId the id found in the bytes, or null
     * @param checksum {@link #checksum} of the bytes
     * @param intact whether the embedded CRC matched
     */
    public record Decoded(String valueId, long checksum, boolean intact) {
    }
}
