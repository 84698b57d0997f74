package dev.ferry.cli.perf;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code --record-log FILE}: one line "partition offset key" per acknowledged record, appended as
 * acknowledgements arrive. The chaos scripts read it back after a run and check that every line is still in the
 * log at that partition and offset: nothing acknowledged may be lost. A record whose send failed is never
 * written. Lines are flushed to the file at every progress report, at the end and when the JVM shuts down
 * (SIGTERM, Ctrl-C), so only kill -9 loses lines: at most one reporting window (it never invents one).
 *
 * <p>Thread-safe: acknowledgements arrive on the producer's sender thread, flushes come from the reporter.
 */
final class RecordLog implements Closeable {
    private final BufferedWriter out;
    private final Path file;
    private IOException failure;

    /**
     * @param file the log, created or appended to
     * @throws IOException when it cannot be opened
     */
    RecordLog(final Path file) throws IOException {
        this.file = file;
        this.out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Records one acknowledged record; an I/O error is kept and reported by {@link #flush}. */
    synchronized void append(final int partition, final long offset, final long key) {
        if (failure != null) {
            return;
        }
        try {
            out.write(Integer.toString(partition));
            out.write(' ');
            out.write(Long.toString(offset));
            out.write(' ');
            out.write(Long.toString(key));
            out.write('\n');
        } catch (final IOException e) {
            failure = e;
        }
    }

    /** Writes buffered lines to the file; throws the first write error, naming the file. */
    synchronized void flush() {
        try {
            if (failure == null) {
                out.flush();
            }
        } catch (final IOException e) {
            failure = e;
        }
        if (failure != null) {
            throw new UncheckedIOException("cannot write the record log " + file + ": " + failure.getMessage(),
                failure);
        }
    }

    /** {@link #flush} for a shutdown hook: an error is only printed, the JVM is going away. */
    void flushOnExit() {
        try {
            flush();
        } catch (final UncheckedIOException e) {
            System.err.println("ferry perf: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            flush();
        } finally {
            out.close();
        }
    }
}
