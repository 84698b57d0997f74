package dev.ferry.client.producer;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ErrorCode;

/**
 * A record larger than the producer's {@code max.request.size} (or its {@code buffer.memory}): it can never be
 * sent as it is, so it fails at once, before it takes buffer memory, and retrying cannot help.
 *
 * <p>Immutable.
 */
public final class RecordTooLargeException extends FerryException {
    private static final long serialVersionUID = 1L;

    private final long size;
    private final long limit;

    /**
     * @param size the record's serialized size at its widest, in bytes
     * @param limit the limit it exceeds, in bytes
     * @param setting the setting that sets the limit
     */
    RecordTooLargeException(final long size, final long limit, final String setting) {
        super(ErrorCode.BATCH_TOO_LARGE, "record of " + size + " bytes (serialized, with its batch header) exceeds "
            + setting + "=" + limit, false, null);
        this.size = size;
        this.limit = limit;
    }

    /** @return the record's serialized size at its widest, in bytes */
    public long size() {
        return size;
    }

    /** @return the limit it exceeds, in bytes */
    public long limit() {
        return limit;
    }
}
