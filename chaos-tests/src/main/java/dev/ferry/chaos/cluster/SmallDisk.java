package dev.ferry.chaos.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small file system of its own for one node's data directory: a tmpfs mounted on the host and bound into the
 * node's container, so that it survives the container's restarts (a tmpfs of Docker's own is new at every start)
 * and can be filled up from the test's JVM. Mounting needs root, as Docker does on the CI machines.
 *
 * <p>Not thread-safe: one nemesis fills and frees it at a time.
 */
public final class SmallDisk implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmallDisk.class);
    private static final String FILLER = "chaos-disk-filler";

    private final Path dir;
    private final long bytes;

    private SmallDisk(final Path dir, final long bytes) {
        this.dir = dir;
        this.bytes = bytes;
    }

    /**
     * Mounts a tmpfs of {@code bytes} on a new directory.
     *
     * @param dir an absent or empty directory of the host
     * @param bytes the file system's size
     * @return the mounted disk
     * @throws IllegalStateException naming the command's output when the mount fails (not root, no tmpfs)
     */
    public static SmallDisk mount(final Path dir, final long bytes) {
        try {
            Files.createDirectories(dir);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        // Mode 1777: the node's user (uid 10001 in the image) creates its directories in it.
        run(List.of("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=1777", "tmpfs", dir.toString()));
        LOG.info("small disk of {} MiB mounted on {}", bytes >> 20, dir);
        return new SmallDisk(dir, bytes);
    }

    /** @return the host directory to bind into a container */
    public Path path() {
        return dir;
    }

    /** @return the file system's size */
    public long size() {
        return bytes;
    }

    /**
     * Fills the file system until the kernel refuses a write (ENOSPC): every write of the node fails from now on.
     *
     * @return the bytes the filler took
     */
    public long fill() {
        final Path filler = dir.resolve(FILLER);
        final byte[] chunk = new byte[64 << 10];
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (final IOException full) {
            // The expected end: "No space left on device". Smaller writes take the last partial chunk.
            written += fillRest(filler);
            LOG.info("small disk {} full: the filler took {} bytes ({})", dir, written, full.getMessage());
            return written;
        }
    }

    private static long fillRest(final Path filler) {
        long written = 0;
        try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < 1 << 16; i++) {
                out.write(0);
                out.flush();
                written++;
            }
        } catch (final IOException expected) {
            return written;
        }
        return written;
    }

    /** Deletes the filler: the node may write again. */
    public void free() {
        try {
            Files.deleteIfExists(dir.resolve(FILLER));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Unmounts the file system (its data is gone); call after the container that used it is removed. */
    @Override
    public void close() {
        try {
            run(List.of("umount", dir.toString()));
            Files.deleteIfExists(dir);
        } catch (final IOException | RuntimeException e) {
            LOG.warn("small disk {} not unmounted: {}", dir, e.toString());
        }
    }

    private static void run(final List<String> command) {
        try {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed (the full-disk fault "
                    + "mounts a tmpfs, which needs root): " + output.strip());
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + command, e);
        }
    }
}
