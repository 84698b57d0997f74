package dev.ferry.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The small per-partition checkpoint file {@code partition.checkpoint}: the recovery point (everything below it
 * is known to be on disk) and the log start offset.
 *
 * <pre>
 *   ferry-partition-checkpoint 1
 *   recoveryPoint=1048576
 *   logStartOffset=0
 *   crc32c=1a2b3c4d              (over the lines above, newlines included)
 * </pre>
 *
 * <p>Written as a {@code .tmp} file, fsynced, renamed over the old one and the directory fsynced, so a crash
 * leaves either the old or the new file. A missing or unreadable file reads as "nothing known": recovery then
 * scans the whole log, which is slower but safe.
 *
 * @param recoveryPoint offset below which all data was flushed
 * @param logStartOffset the first readable offset
 */
public record PartitionCheckpoint(long recoveryPoint, long logStartOffset) {
    /** The file's name inside the partition directory. */
    public static final String FILE_NAME = "partition.checkpoint";
    private static final String HEADER = "ferry-partition-checkpoint 1\n";

    /** A checkpoint that claims nothing. */
    public static final PartitionCheckpoint NONE = new PartitionCheckpoint(0, 0);

    /**
     * Reads the checkpoint of a partition directory.
     *
     * @param dir the partition directory
     * @return the checkpoint, or null when the file is missing
     * @throws IOException on a read error
     * @throws IllegalStateException with the reason when the file is malformed or its CRC does not match
     */
    public static PartitionCheckpoint read(final Path dir) throws IOException {
        final String text;
        try {
            text = Files.readString(dir.resolve(FILE_NAME), StandardCharsets.UTF_8);
        } catch (final NoSuchFileException e) {
            return null;
        }
        final int crcAt = text.lastIndexOf("crc32c=");
        if (!text.startsWith(HEADER) || crcAt < 0) {
            throw new IllegalStateException("malformed checkpoint file=" + dir.resolve(FILE_NAME));
        }
        final String body = text.substring(0, crcAt);
        final String storedCrc = text.substring(crcAt + "crc32c=".length()).trim();
        if (!crcOf(body).equals(storedCrc)) {
            throw new IllegalStateException("checkpoint CRC mismatch: file=" + dir.resolve(FILE_NAME) + " stored="
                + storedCrc + " computed=" + crcOf(body));
        }
        long recoveryPoint = -1;
        long logStartOffset = -1;
        for (final String line : body.substring(HEADER.length()).split("\n")) {
            if (line.startsWith("recoveryPoint=")) {
                recoveryPoint = Long.parseLong(line.substring("recoveryPoint=".length()));
            } else if (line.startsWith("logStartOffset=")) {
                logStartOffset = Long.parseLong(line.substring("logStartOffset=".length()));
            }
        }
        if (recoveryPoint < 0 || logStartOffset < 0) {
            throw new IllegalStateException("checkpoint misses a field: file=" + dir.resolve(FILE_NAME));
        }
        return new PartitionCheckpoint(recoveryPoint, logStartOffset);
    }

    /**
     * Replaces the checkpoint atomically and durably.
     *
     * @param dir the partition directory
     * @throws IOException on a write, fsync or rename error
     */
    public void write(final Path dir) throws IOException {
        final String body = HEADER + "recoveryPoint=" + recoveryPoint + "\nlogStartOffset=" + logStartOffset + "\n";
        final byte[] bytes = (body + "crc32c=" + crcOf(body) + "\n").getBytes(StandardCharsets.UTF_8);
        final Path tmp = dir.resolve(FILE_NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            final ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        fsyncDirectory(dir);
    }

    /**
     * Makes renames and deletions in a directory durable.
     *
     * @param dir the directory
     * @throws IOException on an fsync error
     */
    static void fsyncDirectory(final Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static String crcOf(final String body) {
        final CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return String.format("%08x", crc.getValue());
    }
}
