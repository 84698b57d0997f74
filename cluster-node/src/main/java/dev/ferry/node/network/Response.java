package dev.ferry.node.network;

import com.google.protobuf.MessageLite;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.log.LogReadSlice;

import java.util.List;

/**
 * What a handler answers: a body, or a header-level error, and for Fetch the record slices that follow the
 * body in the frame, sent from the segment files with sendfile.
 *
 * @param body the response body, or null with an error
 * @param error NONE, or the error of the whole request (the header's error code)
 * @param errorMessage what went wrong, for the error
 * @param slices record batches to send after the body, in order; empty for most APIs
 */
public record Response(MessageLite body, ErrorCode error, String errorMessage, List<LogReadSlice> slices) {

    /**
     * @param body the body
     * @return a response with no records
     */
    public static Response of(final MessageLite body) {
        return new Response(body, ErrorCode.NONE, "", List.of());
    }

    /**
     * @param body the body, naming each partition's record bytes
     * @param slices the records, in the body's order
     * @return a response with records
     */
    public static Response withSlices(final MessageLite body, final List<LogReadSlice> slices) {
        return new Response(body, ErrorCode.NONE, "", slices);
    }

    /**
     * @param error the code
     * @param message what went wrong
     * @return a response with only a header
     */
    public static Response error(final ErrorCode error, final String message) {
        return new Response(null, error, message, List.of());
    }

    /** @return bytes of records that follow the body */
    public long recordsBytes() {
        long n = 0;
        for (final LogReadSlice s : slices) {
            n += s.sizeInBytes();
        }
        return n;
    }
}
