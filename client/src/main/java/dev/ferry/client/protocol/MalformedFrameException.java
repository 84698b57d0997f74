package dev.ferry.client.protocol;

import io.netty.handler.codec.CorruptedFrameException;

/**
 * A frame's length fields do not add up, or its protobuf part cannot be parsed. The message names the field and
 * the values; the receiver answers with {@code MALFORMED_REQUEST} when it can, or closes the connection.
 * Immutable.
 */
public final class MalformedFrameException extends CorruptedFrameException {
    private static final long serialVersionUID = 1L;

    /** @param message the field and its values, as name=value pairs */
    public MalformedFrameException(final String message) {
        super(message);
    }
}
