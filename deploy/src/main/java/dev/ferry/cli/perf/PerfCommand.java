package dev.ferry.cli.perf;

import picocli.CommandLine.Command;

/**
 * {@code ferry perf}: the load and latency tools, with the measures and options of Kafka's perf tools so that the
 * two systems can be compared line by line (issue 8).
 */
@Command(name = "perf", mixinStandardHelpOptions = true,
    description = "Measure throughput and latency (as Kafka's producer, consumer and end-to-end perf tools).",
    subcommands = {ProducePerfCommand.class, ConsumePerfCommand.class, EndToEndLatencyCommand.class})
public final class PerfCommand {
}
