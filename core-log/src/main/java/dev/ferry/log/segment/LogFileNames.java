package dev.ferry.log.segment;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * File names of a partition directory: segments are named by their 20-digit zero-padded base offset, so that
 * a directory listing sorts in offset order.
 *
 * <pre>
 *   00000000000000000000.log        record batches, appended
 *   00000000000000000000.index      sparse relative offset -&gt; position
 *   00000000000000000000.timeindex  max timestamp -&gt; relative offset
 *   *.deleted                       removed by retention or truncation, deleted after file.delete.delay.ms
 *   *.tmp                           half-written; discarded on open
 * </pre>
 *
 * <p>Thread-safe (stateless).
 */
public final class LogFileNames {
    /** Suffix of segment data files. */
    public static final String LOG_SUFFIX = ".log";
    /** Suffix of offset index files. */
    public static final String INDEX_SUFFIX = ".index";
    /** Suffix of time index files. */
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    /** Suffix added to files scheduled for deletion. */
    public static final String DELETED_SUFFIX = ".deleted";
    /** Suffix of files being written; never valid on open. */
    public static final String TMP_SUFFIX = ".tmp";

    private static final Pattern SEGMENT_FILE =
        Pattern.compile("^(\\d{20})(\\.log|\\.index|\\.timeindex)(\\.deleted|\\.tmp)?$");

    private LogFileNames() {
    }

    /**
     * @param offset a base offset
     * @return the offset as 20 zero-padded digits
     */
    public static String filenamePrefix(final long offset) {
        return String.format("%020d", offset);
    }

    /**
     * @param dir the partition directory
     * @param baseOffset the segment's base offset
     * @return the segment's .log file
     */
    public static Path logFile(final Path dir, final long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + LOG_SUFFIX);
    }

    /**
     * @param dir the partition directory
     * @param baseOffset the segment's base offset
     * @return the segment's .index file
     */
    public static Path offsetIndexFile(final Path dir, final long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + INDEX_SUFFIX);
    }

    /**
     * @param dir the partition directory
     * @param baseOffset the segment's base offset
     * @return the segment's .timeindex file
     */
    public static Path timeIndexFile(final Path dir, final long baseOffset) {
        return dir.resolve(filenamePrefix(baseOffset) + TIME_INDEX_SUFFIX);
    }

    /**
     * Parses a segment file name.
     *
     * @param fileName a file name without directory
     * @return the parts, or null when the name is not a segment file's
     */
    public static SegmentFileName parse(final String fileName) {
        final Matcher m = SEGMENT_FILE.matcher(fileName);
        if (!m.matches()) {
            return null;
        }
        return new SegmentFileName(Long.parseLong(m.group(1)), m.group(2), m.group(3) == null ? "" : m.group(3));
    }

    /**
     * A parsed segment file name.
     *
     * @param baseOffset the offset in the name
     * @param kind {@link #LOG_SUFFIX}, {@link #INDEX_SUFFIX} or {@link #TIME_INDEX_SUFFIX}
     * @param stateSuffix "", {@link #DELETED_SUFFIX} or {@link #TMP_SUFFIX}
     */
    public record SegmentFileName(long baseOffset, String kind, String stateSuffix) {
    }
}
