package dev.ferry.log;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * A small real tmpfs for disk-full tests: mounted on a directory, filled on demand, detached on close. Needs
 * root; without it (or where mounting is not permitted) the calling test is skipped with the reason printed.
 * Shared with other modules' tests through the test-jar. Not thread-safe.
 */
public final class TmpfsMount implements AutoCloseable {
    private final Path dir;

    private TmpfsMount(final Path dir) {
        this.dir = dir;
    }

    /**
     * Mounts a tmpfs, or skips the calling test when that is not possible here.
     *
     * @param dir an existing, empty directory
     * @param size tmpfs size, e.g. {@code 2m}
     * @return the mount
     * @throws Exception when the mount command cannot run
     */
    public static TmpfsMount mountOrSkip(final Path dir, final String size) throws Exception {
        final String user = System.getProperty("user.name");
        skipUnless("root".equals(user), "not root (user.name=" + user + "): cannot mount a tmpfs");
        final String[] result = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        skipUnless("0".equals(result[0]), "mount -t tmpfs not permitted: exit=" + result[0] + " output="
            + result[1].strip());
        return new TmpfsMount(dir);
    }

    private static void skipUnless(final boolean condition, final String why) {
        if (!condition) {
            System.out.println("tmpfs test skipped: " + why);
        }
        Assumptions.assumeTrue(condition, why);
    }

    /** @return the mounted directory */
    public Path dir() {
        return dir;
    }

    /**
     * Writes a filler file until the filesystem refuses more bytes.
     *
     * @param name the filler's name in the mount
     * @return the filler's path, to delete when space should come back
     * @throws IOException when writing fails for another reason than a full disk
     */
    public Path fill(final String name) throws IOException {
        final Path filler = dir.resolve(name);
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            final ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
            for (int i = 0; i < 100_000; i++) {
                chunk.clear();
                try {
                    ch.write(chunk);
                } catch (final IOException e) {
                    if (e.getMessage() == null || !e.getMessage().contains("No space left")) {
                        throw e;
                    }
                    return filler;
                }
            }
        }
        throw new IllegalStateException("the filesystem never filled up: " + filler);
    }

    /**
     * Detaches the tmpfs lazily: closed index files stay mapped until the garbage collector unmaps them
     * (AbstractIndex never unmaps), which keeps a plain umount busy; -l detaches now and frees it later.
     *
     * @throws IOException when umount fails or is interrupted
     */
    @Override
    public void close() throws IOException {
        final String[] result;
        try {
            result = run("umount", "-l", dir.toString());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + dir, e);
        }
        if (!"0".equals(result[0])) {
            throw new IOException("umount " + dir + " failed: " + result[1]);
        }
    }

    /** @return {exit code, combined output}; "timeout" when the command did not finish in 30 s */
    private static String[] run(final String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new String[] {"timeout", String.join(" ", command)};
        }
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new String[] {Integer.toString(p.exitValue()), output};
    }
}
