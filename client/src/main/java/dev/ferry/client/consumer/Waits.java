package dev.ferry.client.consumer;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.NetworkException;
import dev.ferry.client.protocol.proto.ErrorCode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Blocking on the network's futures with a deadline, and retrying retriable failures until it passes. */
final class Waits {
    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private Waits() {
    }

    /**
     * @param what what was waited for (for the message)
     * @param timeoutMs the timeout that ran out
     * @param cause the last failure, or null
     * @return REQUEST_TIMED_OUT, retriable
     */
    static FerryException timedOut(final String what, final long timeoutMs, final Throwable cause) {
        return new FerryException(ErrorCode.REQUEST_TIMED_OUT, "REQUEST_TIMED_OUT: " + what
            + " did not complete within " + timeoutMs + " ms"
            + (cause == null ? "" : "; last error: " + cause.getMessage()), true, cause);
    }

    static <T> T await(final CompletableFuture<T> future, final long deadlineNanos, final String what,
                       final long timeoutMs) {
        try {
            return future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (final TimeoutException e) {
            future.cancel(false);
            throw timedOut(what, timeoutMs, null);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FerryException(null, what + " interrupted", false, e);
        } catch (final ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    static RuntimeException unwrap(final Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof FerryException f) {
            return f;
        }
        if (c instanceof NetworkException n) {
            return new FerryException(null, n.getMessage(), n.isRetriable(), n);
        }
        return c instanceof RuntimeException r ? r : new FerryException(null, String.valueOf(c), false, c);
    }

    /**
     * Runs an action until it succeeds, fails for good, or the deadline passes.
     *
     * @param onRetriable told every retriable failure (to find a coordinator again, refresh metadata)
     */
    static <T> T retry(final Supplier<CompletableFuture<T>> action, final long deadlineNanos, final String what,
                       final long timeoutMs, final Consumer<FerryException> onRetriable) {
        FerryException last = null;
        while (System.nanoTime() < deadlineNanos) {
            try {
                return await(action.get(), deadlineNanos, what, timeoutMs);
            } catch (final FerryException e) {
                if (!e.isRetriable()) {
                    throw e;
                }
                last = e;
                onRetriable.accept(e);
                LockSupport.parkNanos(Math.min(BACKOFF_NANOS, Math.max(0, deadlineNanos - System.nanoTime())));
            }
        }
        throw timedOut(what, timeoutMs, last);
    }
}
