package dev.ferry.cli.perf;

import dev.ferry.cli.ClientOptions;
import dev.ferry.cli.FerryCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ferry perf produce}: Kafka's ProducerPerformance for Ferry (options and output lines alike). */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Produce records as fast as possible (or at --throughput) and report throughput and latency.",
        "Prints a progress line every reporting interval and a final line with records/s, MB/s and avg, max, "
            + "p50, p95, p99 and p99.9 send-to-acknowledgement latency, as Kafka's kafka-producer-perf-test.",
        "Exit code 1 when any record failed."})
final class ProducePerfCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ClientOptions client;

    @Option(names = "--topic", required = true, description = "topic to produce to")
    private String topic;

    @Option(names = "--num-records", required = true, paramLabel = "N", description = "records to send")
    private long numRecords;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
        description = "bytes of each record's value (default: ${DEFAULT-VALUE})")
    private int recordSize;

    @Option(names = "--throughput", paramLabel = "RECORDS/S", defaultValue = "-1",
        description = "target rate in records per second; -1 for no limit (default: ${DEFAULT-VALUE})")
    private double throughput;

    @Option(names = "--acks", paramLabel = "all|1|0", description = "shortcut for --producer-props acks=...")
    private String acks;

    @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
        description = "producer settings (Kafka key names), e.g. acks=all linger.ms=5 batch.size=65536")
    private Map<String, String> producerProps = new LinkedHashMap<>();

    @Option(names = "--producer.config", paramLabel = "FILE", description = "producer settings file (properties)")
    private Path producerConfig;

    @Option(names = "--record-log", paramLabel = "FILE",
        description = {"append 'partition offset key' of every acknowledged record to FILE; records then carry "
            + "their sequence number (0, 1, ...) as key"})
    private Path recordLog;

    @Option(names = "--json", description = "print the summary as one JSON object on stdout; progress on stderr")
    private boolean json;

    @Option(names = "--create-topic", description = "create the topic first (kept as it is if it exists)")
    private boolean createTopic;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "6",
        description = "partitions of a topic made by --create-topic (default: ${DEFAULT-VALUE})")
    private int partitions;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "3",
        description = "replicas of a topic made by --create-topic (default: ${DEFAULT-VALUE})")
    private int replicationFactor;

    @Option(names = "--reporting-interval-ms", paramLabel = "MS", defaultValue = "5000",
        description = "time between two progress lines (default: ${DEFAULT-VALUE})")
    private long reportingIntervalMs;

    @Override
    public Integer call() throws Exception {
        if (numRecords <= 0) {
            throw new ParameterException(spec.commandLine(), "--num-records must be positive: " + numRecords);
        }
        if (recordSize < 0) {
            throw new ParameterException(spec.commandLine(), "--record-size must be >= 0: " + recordSize);
        }
        if (reportingIntervalMs <= 0) {
            throw new ParameterException(spec.commandLine(),
                "--reporting-interval-ms must be positive: " + reportingIntervalMs);
        }
        final Map<String, Object> settings = PerfSettings.merge(client, producerConfig, producerProps, true);
        if (acks != null) {
            settings.put("acks", acks);
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter info = json ? spec.commandLine().getErr() : out;
        if (createTopic) {
            final int n = PerfSettings.ensureTopic(client, topic, partitions, replicationFactor, info);
            info.println("topic " + topic + ": " + n + " partitions");
        }
        final ProducerPerformance.Result result;
        try (RecordLog log = recordLog == null ? null : new RecordLog(recordLog)) {
            final Thread flushOnExit = log == null ? null : new Thread(log::flushOnExit, "ferry-perf-record-log");
            if (flushOnExit != null) {
                Runtime.getRuntime().addShutdownHook(flushOnExit);
            }
            try {
                result = new ProducerPerformance(topic, numRecords, recordSize, log, info)
                    .run(settings, throughput, reportingIntervalMs);
            } finally {
                removeHook(flushOnExit);
            }
        }
        info.println(result.text());
        if (json) {
            out.println(result.json(topic));
        }
        out.flush();
        info.flush();
        if (result.failed() > 0) {
            spec.commandLine().getErr().println("ferry perf produce: " + result.failed() + " of " + numRecords
                + " records failed");
            return FerryCli.EXIT_FAILED;
        }
        return 0;
    }

    private static void removeHook(final Thread hook) {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is shutting down: the hook runs, which is what it is for.
        }
    }
}
