package dev.ferry.cli;

import dev.ferry.client.TopicPartition;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the values picocli leaves as strings (TOPIC/PARTITION, node lists, timestamps, durations), each failure a
 * {@link UsageException} naming the option and the value.
 */
final class Arguments {
    private Arguments() {
    }

    /**
     * @param value TOPIC/PARTITION, e.g. orders/0 (the last slash splits, as topic names have none)
     * @return the partition
     */
    static TopicPartition topicPartition(final String value) {
        final int slash = value.lastIndexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            throw new UsageException("'" + value + "' is not TOPIC/PARTITION (e.g. orders/0)");
        }
        final int partition = nonNegative("partition", value.substring(slash + 1));
        return new TopicPartition(value.substring(0, slash), partition);
    }

    /**
     * @param what the option, for the message
     * @param value a comma-separated list of node ids, e.g. 1,2,3
     * @return the ids in order
     */
    static List<Integer> nodeIds(final String what, final String value) {
        final List<Integer> out = new ArrayList<>();
        for (final String part : value.split(",")) {
            if (!part.isBlank()) {
                final int id = nonNegative(what, part.trim());
                if (out.contains(id)) {
                    throw new UsageException(what + " names node " + id + " twice: " + value);
                }
                out.add(id);
            }
        }
        if (out.isEmpty()) {
            throw new UsageException(what + " needs at least one node id, e.g. 1,2,3");
        }
        return out;
    }

    /**
     * @param what the option, for the message
     * @param value a decimal integer, at least 0
     * @return the number
     */
    static int nonNegative(final String what, final String value) {
        try {
            final int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (final NumberFormatException e) {
            // reported below with the option's name
        }
        throw new UsageException(what + " must be a number >= 0, not '" + value + "'");
    }

    /**
     * @param what the option, for the message
     * @param value milliseconds since the epoch, or ISO-8601: 2026-11-22T08:00:00Z, an offset instead of Z, or a
     *              date (midnight UTC)
     * @return milliseconds since the epoch
     */
    static long timestampMs(final String what, final String value) {
        final String v = value.trim();
        if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
            try {
                return Long.parseLong(v);
            } catch (final NumberFormatException e) {
                throw new UsageException(what + " '" + value + "' is too large for milliseconds since the epoch");
            }
        }
        try {
            return v.length() == "2026-11-22".length() ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant()
                .toEpochMilli() : Instant.parse(v).toEpochMilli();
        } catch (final DateTimeParseException e) {
            throw new UsageException(what + " '" + value + "' is neither milliseconds since the epoch nor ISO-8601 "
                + "(e.g. 2026-11-22T08:00:00Z)");
        }
    }

    /**
     * @param what the option, for the message
     * @param value a duration: 500ms, 5s, 2m, or a bare number of milliseconds
     * @return milliseconds
     */
    static long durationMs(final String what, final String value) {
        final String v = value.trim().toLowerCase(Locale.ROOT);
        final long unit;
        final String digits;
        if (v.endsWith("ms")) {
            unit = 1;
            digits = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            unit = 1_000;
            digits = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unit = 60_000;
            digits = v.substring(0, v.length() - 1);
        } else {
            unit = 1;
            digits = v;
        }
        try {
            final long n = Long.parseLong(digits);
            if (n > 0 && n < Long.MAX_VALUE / unit) {
                return n * unit;
            }
        } catch (final NumberFormatException e) {
            // reported below with the option's name
        }
        throw new UsageException(what + " must be a positive duration like 500ms, 5s or 2m, not '" + value + "'");
    }
}
