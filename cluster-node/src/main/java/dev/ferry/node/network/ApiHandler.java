package dev.ferry.node.network;

import java.util.concurrent.CompletableFuture;

/**
 * Serves one API. Called on the connection's event loop: it must not block. Work that waits (replication, a
 * long poll, the controller) completes the returned future later, from any thread.
 *
 * <p>The request's frame stays valid until the returned future completes, so a Produce handler may hand the
 * record bytes to the log without copying them. The future must complete in every case, also after the client
 * has gone (a parked long poll completes at its deadline): the frame is released only then.
 *
 * <p>A handler that throws, or whose future fails, gets an UNKNOWN_SERVER_ERROR response naming the exception
 * ({@code MalformedFrameException} from {@link Request#body}: MALFORMED_REQUEST); expected failures are answered
 * with error codes in the response body instead.
 */
@FunctionalInterface
public interface ApiHandler {

    /**
     * @param request the parsed header and the raw frame
     * @return the response
     */
    CompletableFuture<Response> handle(Request request);
}
