package dev.ferry.cli;

import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the cluster is and how to talk to it: shared by every client command ({@code @Mixin}).
 * The brokers come from {@code --brokers}, else {@code FERRY_BROKERS}, else 127.0.0.1:9092, as rpk does.
 */
public final class ClientOptions {
    /** Used when neither --brokers nor FERRY_BROKERS says where the cluster is. */
    public static final String DEFAULT_BROKERS = "127.0.0.1:9092";

    @Option(names = {"-b", "--brokers"}, paramLabel = "HOST:PORT[,HOST:PORT...]", defaultValue = "${env:FERRY_BROKERS}",
        description = "nodes to bootstrap from (default: $FERRY_BROKERS, else " + DEFAULT_BROKERS + ")")
    private String brokers;

    @Option(names = {"-X", "--client-property"}, paramLabel = "KEY=VALUE",
        description = "a client setting (Kafka key names, e.g. -X acks=1 -X client.rack=a); repeatable")
    private Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "30000",
        description = "give up on a cluster call after this long (default: ${DEFAULT-VALUE})")
    private int timeoutMs;

    /** @return the bootstrap list as given to the client's {@code bootstrap.servers} */
    public String brokers() {
        return brokers == null || brokers.isBlank() ? DEFAULT_BROKERS : brokers;
    }

    /** @return the extra {@code -X} client settings, in the order given */
    public Map<String, String> properties() {
        return properties;
    }

    /** @return the timeout of one cluster call in milliseconds */
    public int timeoutMs() {
        return timeoutMs;
    }
}
