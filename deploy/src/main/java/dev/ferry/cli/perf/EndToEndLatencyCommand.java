package dev.ferry.cli.perf;

import dev.ferry.cli.ClientOptions;
import dev.ferry.client.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ferry perf e2e}: end-to-end latency, as Kafka's EndToEndLatency tool, at a fixed rate. */
@Command(name = "e2e", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Produce to one partition at a fixed rate while a consumer reads it back; report the average "
        + "and p50, p99, p99.9 of the send-to-receive latency.",
        "-X and --producer-props set the producer, --consumer-props the consumer."})
final class EndToEndLatencyCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ClientOptions client;

    @Option(names = "--topic", required = true, description = "topic to use")
    private String topic;

    @Option(names = "--partition", paramLabel = "P", defaultValue = "0",
        description = "partition to use (default: ${DEFAULT-VALUE})")
    private int partition;

    @Option(names = "--num-records", paramLabel = "N", defaultValue = "10000",
        description = "records to send (default: ${DEFAULT-VALUE})")
    private long numRecords;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100",
        description = "bytes of each value, at least 8 (default: ${DEFAULT-VALUE})")
    private int recordSize;

    @Option(names = "--throughput", paramLabel = "RECORDS/S", defaultValue = "1000",
        description = "records per second (default: ${DEFAULT-VALUE})")
    private double throughput;

    @Option(names = "--acks", paramLabel = "all|1|0", description = "shortcut for --producer-props acks=...")
    private String acks;

    @Option(names = "--producer-props", arity = "1..*", paramLabel = "KEY=VALUE",
        description = "producer settings (default here: linger.ms=0, as Kafka's tool)")
    private Map<String, String> producerProps = new LinkedHashMap<>();

    @Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE", description = "consumer settings")
    private Map<String, String> consumerProps = new LinkedHashMap<>();

    @Option(names = "--create-topic", description = "create the topic first (kept as it is if it exists)")
    private boolean createTopic;

    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "3",
        description = "replicas of a topic made by --create-topic (1 partition) (default: ${DEFAULT-VALUE})")
    private int replicationFactor;

    @Option(names = "--idle-timeout-ms", paramLabel = "MS", defaultValue = "30000",
        description = "give up when no record arrives for this long (default: ${DEFAULT-VALUE})")
    private long idleTimeoutMs;

    @Option(names = "--json", description = "print the summary as one JSON object on stdout; the rest on stderr")
    private boolean json;

    @Option(names = "--reporting-interval-ms", paramLabel = "MS", defaultValue = "5000",
        description = "time between two progress lines (default: ${DEFAULT-VALUE})")
    private long reportingIntervalMs;

    @Override
    public Integer call() throws Exception {
        if (numRecords <= 0 || throughput <= 0) {
            throw new ParameterException(spec.commandLine(), "--num-records and --throughput must be positive");
        }
        if (recordSize < EndToEndLatency.MIN_RECORD_SIZE) {
            throw new ParameterException(spec.commandLine(), "--record-size must be at least "
                + EndToEndLatency.MIN_RECORD_SIZE + " (the send time travels in the value): " + recordSize);
        }
        if (idleTimeoutMs <= 0 || reportingIntervalMs <= 0 || partition < 0) {
            throw new ParameterException(spec.commandLine(),
                "--idle-timeout-ms, --reporting-interval-ms must be positive and --partition >= 0");
        }
        final Map<String, Object> producer = new LinkedHashMap<>(Map.of("linger.ms", "0"));
        producer.putAll(PerfSettings.merge(client, null, producerProps, true));
        if (acks != null) {
            producer.put("acks", acks);
        }
        final Map<String, Object> consumer = PerfSettings.merge(client, null, consumerProps, false);
        consumer.putIfAbsent("client.id", "ferry-perf-e2e");
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter info = json ? spec.commandLine().getErr() : out;
        if (createTopic) {
            PerfSettings.ensureTopic(client, topic, 1, replicationFactor, info);
        }
        final TopicPartition tp = new TopicPartition(topic, partition);
        final EndToEndLatency.Result result = new EndToEndLatency(tp, numRecords, recordSize, info)
            .run(producer, consumer, throughput, idleTimeoutMs, reportingIntervalMs);
        info.println(result.text());
        if (json) {
            out.println(result.json(tp));
        }
        out.flush();
        info.flush();
        if (result.received() < numRecords) {
            spec.commandLine().getErr().println("ferry perf e2e: read " + result.received() + " of " + numRecords
                + " records back: none arrived for " + idleTimeoutMs + " ms");
            return 1;
        }
        return 0;
    }
}
