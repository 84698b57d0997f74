package dev.ferry.client.admin;

import dev.ferry.client.errors.FerryException;
import dev.ferry.client.network.NetworkException;
import dev.ferry.client.protocol.proto.ErrorCode;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Runs one admin call again after errors that finding the leader, coordinator or controller again can cure, with a
 * growing backoff, until the call's deadline; every failure ends as a {@link FerryException}. Errors that describe
 * the request (UNKNOWN_TOPIC, TOPIC_ALREADY_EXISTS, ...) are not retried: the caller asked about them.
 */
final class Retrier {
    private static final Set<ErrorCode> RETRIED = EnumSet.of(ErrorCode.NOT_LEADER, ErrorCode.LEADER_NOT_AVAILABLE,
        ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_CONTROLLER,
        ErrorCode.CONTROLLER_NOT_AVAILABLE);
    private static final long MAX_BACKOFF_MS = 1_000;
    private static final long FIRST_BACKOFF_MS = 50;

    private final long timeoutMs;

    /** @param timeoutMs how long a call may take, retries included */
    Retrier(final long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    /**
     * @param what the call, for messages
     * @param attempt makes one attempt
     * @param <T> the result
     * @return the first successful result, or the last failure as a FerryException
     */
    <T> CompletableFuture<T> call(final String what, final Supplier<CompletableFuture<T>> attempt) {
        final CompletableFuture<T> result = new CompletableFuture<>();
        attempt(what, attempt, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs), 0, result);
        return result;
    }

    private <T> void attempt(final String what, final Supplier<CompletableFuture<T>> attempt, final long deadline,
                             final int n, final CompletableFuture<T> result) {
        CompletableFuture<T> f;
        try {
            f = attempt.get();
        } catch (final RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> {
            if (e == null) {
                result.complete(v);
                return;
            }
            final Throwable cause = unwrap(e);
            final long backoffMs = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(n, 5));
            if (retried(cause) && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) < deadline) {
                CompletableFuture.delayedExecutor(backoffMs, TimeUnit.MILLISECONDS)
                    .execute(() -> attempt(what, attempt, deadline, n + 1, result));
            } else {
                result.completeExceptionally(asFerry(what, cause));
            }
        });
    }

    static Throwable unwrap(final Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static boolean retried(final Throwable t) {
        if (t instanceof FerryException f) {
            return f.code() != null && RETRIED.contains(f.code());
        }
        return t instanceof NetworkException n && n.isRetriable();
    }

    private static FerryException asFerry(final String what, final Throwable t) {
        if (t instanceof FerryException f) {
            return f;
        }
        final boolean retriable = t instanceof NetworkException n && n.isRetriable();
        return new FerryException(null, what + " failed: " + t.getMessage(), retriable, t);
    }
}
