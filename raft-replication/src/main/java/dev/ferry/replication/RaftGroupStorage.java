package dev.ferry.replication;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * Checks a Raft group's storage directory before Ratis opens it. Ratis keeps a member's term and vote in
 * {@code current/raft-meta}, replaced through a temporary file; but when the disk is full the failed write shows
 * only when the writer is closed, after which Ratis still renames the empty temporary file over the old one
 * (found by the chaos suite's full-disk fault). Such a member cannot start: Ratis refuses the whole server, and
 * every other replica of the node with it. Its term and vote are lost, so the member must not vote again from
 * its old log: the directory is set aside and the replica rebuilt empty from its peers, whose majority holds
 * every committed entry (an empty member's vote does not count, so it cannot elect a leader that lacks one).
 *
 * <p>Stateless; thread-safe.
 */
public final class RaftGroupStorage {
    /** Suffix of a directory set aside; Ferry never deletes one, the operator inspects and removes it. */
    public static final String DAMAGED_SUFFIX = ".damaged-";
    private static final String META = "current/raft-meta";

    private RaftGroupStorage() {
    }

    /**
     * @param groupDir a Raft group's storage directory ({@code <raft dir>/<group uuid>})
     * @return null when its term and vote can be read (or none were written yet), else what is wrong
     */
    public static String metadataProblem(final Path groupDir) {
        final Path meta = groupDir.resolve(META);
        if (!Files.exists(meta)) {
            return null;
        }
        final Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(meta, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (final IOException | IllegalArgumentException e) {
            return meta + " unreadable: " + e;
        }
        final String term = p.getProperty("term");
        if (term == null || p.getProperty("votedFor") == null) {
            return meta + " lacks its term or vote (" + sizeOf(meta) + " bytes)";
        }
        try {
            Long.parseLong(term.strip());
        } catch (final NumberFormatException e) {
            return meta + " has a malformed term: " + term;
        }
        return null;
    }

    private static long sizeOf(final Path file) {
        try {
            return Files.size(file);
        } catch (final IOException e) {
            return -1;
        }
    }

    /**
     * Moves a group's directory to {@code <dir>.damaged-<epoch ms>}.
     *
     * @param groupDir the directory
     * @return where it went
     * @throws IOException on a move error
     */
    public static Path setAside(final Path groupDir) throws IOException {
        final Path aside = groupDir.resolveSibling(groupDir.getFileName() + DAMAGED_SUFFIX
            + System.currentTimeMillis());
        Files.move(groupDir, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }
}
