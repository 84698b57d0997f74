package dev.ferry.testing;

import dev.ferry.client.admin.FerryAdmin;
import dev.ferry.node.server.LocalCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The JUnit 5 extension behind {@link FerryCluster}: starts an {@link EmbeddedFerry} before all tests of a class,
 * creates the topics, resolves {@link EmbeddedFerry}, {@link LocalCluster} and {@link FerryAdmin} parameters, and
 * closes the cluster after all tests. Settings come from the class's {@code @FerryCluster}, or, when registered in
 * code, from this object:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final FerryClusterExtension FERRY = new FerryClusterExtension().nodes(3).topics(6, "events")
 *     .nodeSetting("log.segment.bytes", "1048576");
 * ...
 * FERRY.ferry().bootstrapServers();
 * }</pre>
 *
 * Each test class gets its own cluster; nested classes share their outer class's. Not for concurrent use of one
 * instance by test classes running in parallel.
 */
public final class FerryClusterExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(FerryClusterExtension.class);
    private static final String KEY = "ferry";

    private int nodes = 1;
    private int partitions = 1;
    private int replicationFactor;
    private final List<String> topics = new ArrayList<>();
    private final Map<String, String> nodeSettings = new HashMap<>();
    private EmbeddedFerry ferry;

    /** For {@code @RegisterExtension}: one node, no topics; change with the setters. */
    public FerryClusterExtension() {
    }

    /**
     * @param n nodes (the first three are the controller quorum)
     * @return this
     */
    public FerryClusterExtension nodes(final int n) {
        this.nodes = n;
        return this;
    }

    /**
     * @param partitionCount partitions of each topic
     * @param names topics to create before the tests
     * @return this
     */
    public FerryClusterExtension topics(final int partitionCount, final String... names) {
        this.partitions = partitionCount;
        this.topics.addAll(List.of(names));
        return this;
    }

    /**
     * @param replicas replicas per partition of the topics (0 = as many as nodes, at most 3)
     * @return this
     */
    public FerryClusterExtension replicationFactor(final int replicas) {
        this.replicationFactor = replicas;
        return this;
    }

    /**
     * @param key a node setting
     * @param value its value
     * @return this
     */
    public FerryClusterExtension nodeSetting(final String key, final String value) {
        nodeSettings.put(key, value);
        return this;
    }

    /**
     * @return the running cluster (for {@code @RegisterExtension} users)
     * @throws IllegalStateException outside the test class's lifetime
     */
    public EmbeddedFerry ferry() {
        if (ferry == null) {
            throw new IllegalStateException("the Ferry cluster runs only between beforeAll and afterAll");
        }
        return ferry;
    }

    @Override
    public void beforeAll(final ExtensionContext context) throws IOException {
        if (find(context) != null) {
            return;
        }
        context.getTestClass().map(c -> c.getAnnotation(FerryCluster.class)).ifPresent(this::apply);
        if (nodes < 1) {
            throw new ExtensionConfigurationException("@FerryCluster nodes=" + nodes + ": must be at least 1");
        }
        final EmbeddedFerry started = EmbeddedFerry.start(nodes, nodeSettings);
        try {
            if (!topics.isEmpty()) {
                started.createTopics(partitions, replicationFactor, topics.toArray(String[]::new));
            }
        } catch (final RuntimeException e) {
            started.close();
            throw e;
        }
        ferry = started;
        context.getStore(NAMESPACE).put(KEY, started);
    }

    private void apply(final FerryCluster a) {
        nodes = a.nodes();
        partitions = a.partitions();
        replicationFactor = a.replicationFactor();
        topics.addAll(List.of(a.topics()));
        for (final String s : a.nodeSettings()) {
            final int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new ExtensionConfigurationException("@FerryCluster nodeSettings: \"" + s
                    + "\" is not key=value");
            }
            nodeSettings.put(s.substring(0, eq).trim(), s.substring(eq + 1).trim());
        }
    }

    @Override
    public void afterAll(final ExtensionContext context) {
        final EmbeddedFerry mine = context.getStore(NAMESPACE).remove(KEY, EmbeddedFerry.class);
        if (mine != null) {
            ferry = null;
            mine.close();
        }
    }

    private static EmbeddedFerry find(final ExtensionContext context) {
        return context.getStore(NAMESPACE).get(KEY, EmbeddedFerry.class);
    }

    @Override
    public boolean supportsParameter(final ParameterContext parameter, final ExtensionContext context) {
        final Class<?> type = parameter.getParameter().getType();
        return type == EmbeddedFerry.class || type == LocalCluster.class || type == FerryAdmin.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameter, final ExtensionContext context) {
        final EmbeddedFerry running = find(context);
        if (running == null) {
            throw new ExtensionConfigurationException("no Ferry cluster is running for "
                + context.getDisplayName());
        }
        final Class<?> type = parameter.getParameter().getType();
        if (type == LocalCluster.class) {
            return running.cluster();
        }
        return type == FerryAdmin.class ? running.admin() : running;
    }
}
