package dev.ferry.cli;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.client.admin.PartitionDescription;
import dev.ferry.client.admin.TopicDescription;
import dev.ferry.client.consumer.ConsumerConfig;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.client.consumer.ConsumerRecords;
import dev.ferry.client.consumer.FerryConsumer;
import dev.ferry.client.consumer.OffsetAndMetadata;
import dev.ferry.client.consumer.OffsetAndTimestamp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ferry consume TOPIC...}: prints records as they arrive. Without a group it reads every partition (or those
 * given with -p) from the end, the beginning, an offset or a timestamp; with {@code -g} it joins the group and
 * commits what it printed after each batch. It stops after {@code -n} records, after {@code --timeout} without a
 * record, or on SIGINT/SIGTERM (leaving the group cleanly).
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
    description = {"Print records of topics as they arrive.",
        "Without -g: every partition (or -p), from the end unless --from-beginning, --offset or --from-timestamp.",
        "With -g GROUP: joins the group, starts at its committed offsets (else the end, or the beginning with",
        "--from-beginning) and commits what it printed as it goes."})
final class ConsumeCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long SHUTDOWN_WAIT_MS = 5_000;

    @Spec
    private CommandSpec spec;
    @Mixin
    private ClientOptions client;
    @Parameters(arity = "1..*", paramLabel = "TOPIC", description = "the topics")
    private List<String> topics;
    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "consume as a member of this group")
    private String group;
    @Option(names = {"-p", "--partition"}, paramLabel = "P", split = ",",
        description = "only these partitions (no group); comma-separated or repeated")
    private List<Integer> partitions = new ArrayList<>();
    @Option(names = "--from-beginning", description = "start at each partition's log start offset")
    private boolean fromBeginning;
    @Option(names = {"-o", "--offset"}, paramLabel = "N", description = "start at this offset (needs -p, no group)")
    private Long offset;
    @Option(names = "--from-timestamp", paramLabel = "MS|ISO-8601",
        description = "start at the first record at or after this time (no group), e.g. 2026-11-22T08:00:00Z")
    private String fromTimestamp;
    @Option(names = {"-n", "--num"}, paramLabel = "N", description = "exit after printing N records")
    private long num;
    @Option(names = "--timeout", paramLabel = "DURATION",
        description = "exit when no record arrived for this long: 500ms, 5s, 2m (default: wait forever)")
    private String idleTimeout;
    @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", defaultValue = "value",
        description = {"value (default), json (an object per line), or a template: %t topic, %p partition,",
            "%o offset, %k key, %v value, %T timestamp, %h headers, e.g. '%p/%o %k=%v'"})
    private String format;

    private volatile boolean stopping;

    @Override
    public Integer call() throws InterruptedException {
        final RecordFormatter formatter = RecordFormatter.of(format);
        final long idleMs = idleTimeout == null ? 0 : Arguments.durationMs("--timeout", idleTimeout);
        validate();
        final Long startMs = fromTimestamp == null ? null : Arguments.timestampMs("--from-timestamp", fromTimestamp);
        final List<TopicPartition> tps = partitionsOf();
        final Map<String, String> settings = new HashMap<>();
        if (group != null) {
            settings.put(ConsumerConfig.GROUP_ID, group);
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT, "false");
            settings.put(ConsumerConfig.AUTO_OFFSET_RESET, fromBeginning ? "earliest" : "latest");
        }
        final CountDownLatch done = new CountDownLatch(1);
        final Thread hook = new Thread(() -> {
            stopping = true;
            try {
                done.await(SHUTDOWN_WAIT_MS, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "ferry-consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (FerryConsumer consumer = client.consumer(settings)) {
            if (group != null) {
                consumer.subscribe(topics);
            } else {
                consumer.assign(tps);
                position(consumer, tps, startMs);
            }
            loop(consumer, formatter, idleMs);
        } finally {
            done.countDown();
            removeHook(hook);
        }
        return 0;
    }

    private void loop(final FerryConsumer consumer, final RecordFormatter formatter, final long idleMs) {
        final PrintWriter out = spec.commandLine().getOut();
        long printed = 0;
        // A group member is idle only once it owns partitions (a join takes a moment); one that never gets any
        // (more members than partitions) starts counting after --timeout-ms.
        final long joinDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(client.timeoutMs());
        long idleSince = System.nanoTime();
        while (!stopping && (num <= 0 || printed < num)) {
            final ConsumerRecords records = consumer.poll(POLL);
            if (records.isEmpty()) {
                final long now = System.nanoTime();
                if (group != null && consumer.assignment().isEmpty() && now < joinDeadline) {
                    idleSince = now;
                } else if (idleMs > 0 && now - idleSince >= TimeUnit.MILLISECONDS.toNanos(idleMs)) {
                    break;
                }
                continue;
            }
            idleSince = System.nanoTime();
            final Map<TopicPartition, OffsetAndMetadata> next = new LinkedHashMap<>();
            for (final ConsumerRecord r : records) {
                out.print(formatter.format(r));
                next.put(r.topicPartition(), new OffsetAndMetadata(r.offset() + 1));
                if (num > 0 && ++printed >= num) {
                    break;
                }
            }
            out.flush();
            if (group != null) {
                // Only what was printed: with -n the rest of the batch stays for the group's next reader.
                consumer.commitSync(next, Duration.ofMillis(client.timeoutMs()));
            }
        }
    }

    private void validate() {
        final int starts = (fromBeginning ? 1 : 0) + (offset != null ? 1 : 0) + (fromTimestamp != null ? 1 : 0);
        if (starts > 1) {
            throw new UsageException("give at most one of --from-beginning, --offset and --from-timestamp");
        }
        if (group != null && (offset != null || fromTimestamp != null || !partitions.isEmpty())) {
            throw new UsageException("--offset, --from-timestamp and --partition need no group: a group starts at "
                + "its committed offsets (reset them with ferry group reset-offsets)");
        }
        if (offset != null && partitions.isEmpty()) {
            throw new UsageException("--offset needs -p PARTITION");
        }
        if (offset != null && offset < 0) {
            throw new UsageException("--offset must be >= 0, not " + offset);
        }
        if (num < 0) {
            throw new UsageException("--num must be >= 0, not " + num);
        }
    }

    /** The partitions to read, checked against the cluster: a clear error for an unknown topic or partition. */
    private List<TopicPartition> partitionsOf() {
        final Map<String, TopicDescription> described;
        try (FerryAdmin admin = client.admin()) {
            described = client.await(admin.describeTopics(topics), "describe topics " + topics);
        }
        final List<TopicPartition> out = new ArrayList<>();
        for (final TopicDescription t : described.values()) {
            if (partitions.isEmpty()) {
                for (final PartitionDescription p : t.partitions()) {
                    out.add(new TopicPartition(t.name(), p.partition()));
                }
                continue;
            }
            for (final int p : partitions) {
                if (p < 0 || p >= t.partitions().size()) {
                    throw new IllegalArgumentException("topic " + t.name() + " has no partition " + p + " (it has "
                        + t.partitions().size() + ")");
                }
                out.add(new TopicPartition(t.name(), p));
            }
        }
        return out;
    }

    private void position(final FerryConsumer consumer, final List<TopicPartition> tps, final Long startMs) {
        if (fromBeginning) {
            consumer.seekToBeginning(tps);
        } else if (offset != null) {
            tps.forEach(tp -> consumer.seek(tp, offset));
        } else if (startMs != null) {
            final Map<TopicPartition, Long> ask = new HashMap<>();
            tps.forEach(tp -> ask.put(tp, startMs));
            final Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(ask,
                Duration.ofMillis(client.timeoutMs()));
            final List<TopicPartition> none = new ArrayList<>();
            for (final TopicPartition tp : tps) {
                final OffsetAndTimestamp at = found.get(tp);
                if (at == null) {
                    none.add(tp);
                } else {
                    consumer.seek(tp, at.offset());
                }
            }
            if (!none.isEmpty()) {
                consumer.seekToEnd(none);
            }
        } else {
            consumer.seekToEnd(tps);
        }
    }

    private static void removeHook(final Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is shutting down: the hook is running and waits for this method's caller.
        }
    }
}
