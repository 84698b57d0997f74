package dev.ferry.chaos.report;

import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.Op;
import dev.ferry.client.TopicPartition;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * Writes a history as JSON lines, one operation per line in history order, for digging into a failed run
 * ({@code jq}, a notebook). Each line has {@code type}, {@code wallMs}, {@code monoNs} and the operation's fields
 * under their record component names; partitions are written as {@code topic-partition}.
 *
 * <p>Stateless; thread-safe.
 */
public final class HistoryFile {
    /** The usual file name in a report directory. */
    public static final String FILE_NAME = "history.jsonl";

    private HistoryFile() {
    }

    /**
     * @param file the file to write (replaced if present)
     * @param history the history
     * @throws IOException if it cannot be written
     */
    public static void write(final Path file, final History history) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            final StringBuilder line = new StringBuilder(256);
            for (final Op op : history.ops()) {
                line.setLength(0);
                line(new JsonWriter(line), op);
                out.append(line).append('\n');
            }
        }
    }

    private static void line(final JsonWriter json, final Op op) {
        json.beginObject();
        json.name("type").value(op.getClass().getSimpleName());
        json.name("wallMs").value(op.wallMs());
        json.name("monoNs").value(op.monoNs());
        if (op instanceof Op.Send s) {
            json.name("producer").value(s.producer()).name("seq").value(s.seq()).name("valueId").value(s.valueId());
            partition(json, s.partition());
            json.name("checksum").value(s.checksum());
        } else if (op instanceof Op.SendResult r) {
            json.name("producer").value(r.producer()).name("valueId").value(r.valueId())
                    .name("outcome").value(r.outcome().name());
            partition(json, r.partition());
            json.name("offset").value(r.offset()).name("error").value(r.error());
        } else if (op instanceof Op.Read r) {
            json.name("reader").value(r.reader()).name("kind").value(r.kind().name()).name("group").value(r.group());
            partition(json, r.partition());
            json.name("offset").value(r.offset()).name("valueId").value(r.valueId())
                    .name("checksum").value(r.checksum());
        } else if (op instanceof Op.Commit c) {
            json.name("group").value(c.group()).name("member").value(c.member());
            partition(json, c.partition());
            json.name("offset").value(c.offset());
        } else if (op instanceof Op.AssignmentChange a) {
            json.name("group").value(a.group()).name("member").value(a.member());
            partitions(json, "gained", a.gained());
            partitions(json, "lost", a.lost());
        } else if (op instanceof Op.FaultStart f) {
            json.name("faultId").value(f.faultId()).name("kind").value(f.kind().name()).name("name").value(f.name());
            json.name("targets").beginArray();
            for (final String target : f.targets()) {
                json.value(target);
            }
            json.endArray();
            partitions(json, "ledPartitions", f.ledPartitions());
        } else if (op instanceof Op.FaultEnd f) {
            json.name("faultId").value(f.faultId());
        } else if (op instanceof Op.ReplicaDigest d) {
            partition(json, d.partition());
            json.name("node").value(d.node()).name("highWatermark").value(d.highWatermark())
                    .name("digest").value(d.digest());
        }
        json.endObject();
    }

    private static void partition(final JsonWriter json, final TopicPartition partition) {
        json.name("partition").value(partition == null ? null : partition.toString());
    }

    private static void partitions(final JsonWriter json, final String name, final Collection<TopicPartition> ps) {
        json.name(name).beginArray();
        for (final TopicPartition p : ps) {
            json.value(p.toString());
        }
        json.endArray();
    }
}
