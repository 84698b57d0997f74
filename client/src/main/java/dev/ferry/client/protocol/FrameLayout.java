package dev.ferry.client.protocol;

/**
 * The frame every request and response travels in, over TCP, big-endian.
 *
 * <pre>
 *   0        int32  frameLength    bytes after this field; at most the receiver's max frame size
 *   4        int32  headerLength   size of the protobuf RequestHeader / ResponseHeader
 *   8        bytes  header
 *   8+h      int32  bodyLength     size of the protobuf body (0 for none)
 *   12+h     bytes  body
 *   12+h+b   bytes  records        the rest of the frame: raw record batches (core-log/FORMAT.md), for the
 *                                  requests and responses that carry them (Produce, Fetch); empty otherwise
 * </pre>
 *
 * <p>The records come last and outside protobuf so that a Fetch response is the protobuf part followed by
 * segment-file regions sent with sendfile, and a Produce request's batches are handed to the log without being
 * re-encoded. Thread-safe (constants only).
 */
public final class FrameLayout {
    /** Size of the frame length prefix. */
    public static final int FRAME_LENGTH_BYTES = Integer.BYTES;
    /** Offset of the header length, from the frame start. */
    public static final int HEADER_LENGTH_OFFSET = FRAME_LENGTH_BYTES;
    /** Offset of the header, from the frame start. */
    public static final int HEADER_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    /** The smallest frame body: two length fields. */
    public static final int MIN_FRAME_LENGTH = 2 * Integer.BYTES;
    /** Default largest frame a node or client accepts (a produce request of a few max-size batches). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 100 << 20;

    private FrameLayout() {
    }

    /**
     * @param headerBytes size of the header
     * @param bodyBytes size of the body
     * @param recordsBytes size of the records
     * @return the value of the frame length field
     */
    public static long frameLength(final int headerBytes, final int bodyBytes, final long recordsBytes) {
        return (long) MIN_FRAME_LENGTH + headerBytes + bodyBytes + recordsBytes;
    }
}
