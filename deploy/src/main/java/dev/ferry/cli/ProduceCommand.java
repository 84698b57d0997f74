package dev.ferry.cli;

import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.producer.FerryProducer;
import dev.ferry.client.producer.ProducerConfig;
import dev.ferry.client.producer.ProducerRecord;
import dev.ferry.log.record.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ferry produce TOPIC}: one record per line of stdin, sent as they are read; at the end of input it waits
 * for every acknowledgement and prints one summary line on stderr. Any record that failed makes the exit code 1.
 */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = {"Produce one record per line of stdin to TOPIC (values and keys as UTF-8).",
        "Prints a summary on stderr at the end of input; exit 1 if any record failed.",
        "Compression: -X compression.type=lz4|zstd|snappy."})
final class ProduceCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;
    @Mixin
    private ClientOptions client;
    @Parameters(paramLabel = "TOPIC", description = "the topic")
    private String topic;
    @Option(names = {"-k", "--key-separator"}, paramLabel = "SEP",
        description = "split each line at the first SEP into key and value (a line without SEP has no key)")
    private String keySeparator;
    @Option(names = {"-H", "--header"}, paramLabel = "KEY=VALUE", description = "a header on every record; repeatable")
    private List<String> headers = new ArrayList<>();
    @Option(names = {"-p", "--partition"}, paramLabel = "P",
        description = "send every record to this partition (default: by key, else spread)")
    private Integer partition;
    @Option(names = "--acks", paramLabel = "all|1|0", description = "acknowledgements to wait for (default: all)")
    private String acks;

    @Override
    public Integer call() throws IOException {
        if (keySeparator != null && keySeparator.isEmpty()) {
            throw new UsageException("--key-separator must not be empty");
        }
        final List<Header> recordHeaders = parseHeaders();
        final Map<Integer, Long> lastOffsets = new TreeMap<>();
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        long sent = 0;
        try (FerryProducer producer = client.producer(acks == null ? Map.of() : Map.of(ProducerConfig.ACKS, acks))) {
            checkTopic();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                sent++;
                producer.send(record(line, recordHeaders), (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, error.getMessage());
                    } else {
                        synchronized (lastOffsets) {
                            lastOffsets.merge(metadata.partition(), metadata.offset(), Math::max);
                        }
                    }
                });
            }
            producer.flush();
        }
        final StringJoiner offsets = new StringJoiner(", ");
        synchronized (lastOffsets) {
            lastOffsets.forEach((p, o) -> offsets.add(p + ":" + o));
        }
        final long ok = sent - failed.get();
        spec.commandLine().getErr().println("produced " + ok + " of " + sent + " records to " + topic + " ("
            + lastOffsets.size() + " partitions; last offset per partition: "
            + (lastOffsets.isEmpty() ? "none" : offsets.toString()) + ")");
        spec.commandLine().getErr().flush();
        if (failed.get() > 0) {
            return Commands.failIf(spec, failed.get() + " of " + sent + " records failed, the first: "
                + firstFailure.get());
        }
        return 0;
    }

    private ProducerRecord record(final String line, final List<Header> recordHeaders) {
        byte[] key = null;
        String value = line;
        if (keySeparator != null) {
            final int at = line.indexOf(keySeparator);
            if (at >= 0) {
                key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                value = line.substring(at + keySeparator.length());
            }
        }
        return new ProducerRecord(topic, partition, null, key, value.getBytes(StandardCharsets.UTF_8),
            recordHeaders);
    }

    private List<Header> parseHeaders() {
        final List<Header> out = new ArrayList<>();
        for (final String h : headers) {
            final int eq = h.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--header '" + h + "' is not KEY=VALUE");
            }
            out.add(new Header(h.substring(0, eq), h.substring(eq + 1).getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Fails at once on an unknown topic or partition, where the producer would block for max.block.ms. */
    private void checkTopic() {
        if (partition != null && partition < 0) {
            throw new UsageException("--partition must be >= 0, not " + partition);
        }
        try (FerryAdmin admin = client.admin()) {
            final TopicDescription t = client.await(admin.describeTopics(List.of(topic)), "describe topic " + topic)
                .get(topic);
            if (partition != null && partition >= t.partitions().size()) {
                throw new IllegalArgumentException("topic " + topic + " has no partition " + partition + " (it has "
                    + t.partitions().size() + ")");
            }
        }
    }
}
