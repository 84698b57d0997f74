package dev.ferry.chaos.cluster;

import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.time.Duration;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;

/**
 * Testcontainers' start-up wait for a chaos node: its {@code /health/live} answers on the node's own network
 * address. (The default wait checks published ports; chaos nodes publish none.)
 *
 * <p>Not thread-safe; one per container.
 */
final class NodeLiveWait extends AbstractWaitStrategy {
    private final Supplier<ChaosNode> node;

    NodeLiveWait(final Supplier<ChaosNode> node) {
        this.node = node;
    }

    @Override
    protected void waitUntilReady() {
        final ChaosNode n = node.get();
        await(n.name() + " live").atMost(startupTimeout).pollInterval(Duration.ofMillis(250)).until(n::isLive);
    }
}
