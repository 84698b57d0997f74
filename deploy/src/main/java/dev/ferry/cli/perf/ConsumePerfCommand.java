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

/** {@code ferry perf consume}: Kafka's ConsumerPerformance for Ferry (options and output columns alike). */
@Command(name = "consume", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Read records as fast as possible and report MB, MB/s, records, records/s and fetch time, as "
        + "Kafka's kafka-consumer-perf-test.",
        "Without --group every partition is assigned (no group, no commits). --rack reads from the replicas in "
            + "that rack (follower reads).",
        "Exit code 1 when fewer than --messages records arrived before the idle timeout."})
final class ConsumePerfCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Mixin
    private ClientOptions client;

    @Option(names = "--topic", required = true, description = "topic to read")
    private String topic;

    @Option(names = "--messages", required = true, paramLabel = "N", description = "records to read")
    private long messages;

    @Option(names = "--from-beginning", description = "start at the log start (default: at the end, new records)")
    private boolean fromBeginning;

    @Option(names = "--group", paramLabel = "GROUP", description = "consume in this consumer group (subscribe)")
    private String group;

    @Option(names = "--rack", paramLabel = "RACK", description = "client.rack: fetch from the replica in this rack")
    private String rack;

    @Option(names = "--idle-timeout-ms", paramLabel = "MS", defaultValue = "10000",
        description = "give up when no record arrives for this long (default: ${DEFAULT-VALUE})")
    private long idleTimeoutMs;

    @Option(names = "--consumer-props", arity = "1..*", paramLabel = "KEY=VALUE",
        description = "consumer settings (Kafka key names), e.g. fetch.max.bytes=52428800")
    private Map<String, String> consumerProps = new LinkedHashMap<>();

    @Option(names = "--consumer.config", paramLabel = "FILE", description = "consumer settings file (properties)")
    private Path consumerConfig;

    @Option(names = "--json", description = "print the summary as one JSON object on stdout; the rest on stderr")
    private boolean json;

    @Option(names = "--reporting-interval-ms", paramLabel = "MS", defaultValue = "5000",
        description = "time between two progress lines (default: ${DEFAULT-VALUE})")
    private long reportingIntervalMs;

    @Override
    public Integer call() throws Exception {
        if (messages <= 0) {
            throw new ParameterException(spec.commandLine(), "--messages must be positive: " + messages);
        }
        if (idleTimeoutMs <= 0 || reportingIntervalMs <= 0) {
            throw new ParameterException(spec.commandLine(),
                "--idle-timeout-ms and --reporting-interval-ms must be positive");
        }
        final Map<String, Object> settings = PerfSettings.merge(client, consumerConfig, consumerProps, true);
        if (group != null) {
            settings.put("group.id", group);
        }
        if (group != null || settings.containsKey("group.id")) {
            settings.putIfAbsent("auto.offset.reset", fromBeginning ? "earliest" : "latest");
        } else {
            settings.put("enable.auto.commit", "false");
        }
        if (rack != null) {
            settings.put("client.rack", rack);
        }
        settings.putIfAbsent("client.id", "ferry-perf-consumer");
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter info = json ? spec.commandLine().getErr() : out;
        final int partitions = PerfSettings.partitionCount(client, topic);
        final ConsumerPerformance.Result result = new ConsumerPerformance(topic, messages, info)
            .run(settings, partitions, fromBeginning, idleTimeoutMs, reportingIntervalMs);
        info.println(ConsumerPerformance.Result.HEADER);
        info.println(result.text());
        if (json) {
            out.println(result.json(topic));
        }
        out.flush();
        info.flush();
        if (result.records() < messages) {
            spec.commandLine().getErr().println("ferry perf consume: read " + result.records() + " of " + messages
                + " records: none arrived for " + idleTimeoutMs + " ms");
            return FerryCli.EXIT_FAILED;
        }
        return 0;
    }
}
