package dev.ferry.chaos.cluster;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drops traffic between chosen nodes by iptables rules inside a container's own network namespace, entered from
 * the host with nsenter; the image needs no iptables and no extra capability. Only node-to-node traffic is cut:
 * the test's clients still reach both sides of a partition, as clients in different places would, so a leader
 * on the minority side keeps receiving writes it must not acknowledge.
 *
 * <p>Rules go into a chain of their own ({@value #CHAIN}), jumped to from INPUT and OUTPUT, so healing flushes
 * exactly what a nemesis added and nothing Docker set up. DROP (not REJECT): a cut link times out, as a real
 * one does. Needs root on the Docker host.
 *
 * <p>Stateless; thread-safe (iptables -w serializes on its lock).
 */
public final class NodeFirewall {
    private static final Logger LOG = LoggerFactory.getLogger(NodeFirewall.class);
    private static final String CHAIN = "FERRY-CHAOS";
    private static final long COMMAND_TIMEOUT_S = 20;

    private NodeFirewall() {
    }

    /**
     * @param node a running node
     * @return whether this process can change the node's firewall (root, nsenter and iptables present)
     */
    public static boolean usable(final ChaosNode node) {
        try {
            ensureChain(node);
            return true;
        } catch (final IllegalStateException e) {
            LOG.warn("network partitions by iptables unavailable: {}", e.getMessage());
            return false;
        }
    }

    /**
     * Drops every packet between {@code node} and each of {@code peers}, both ways, as seen from {@code node}.
     *
     * @param node the node whose namespace gets the rules
     * @param peers the nodes it can no longer talk to
     */
    public static void block(final ChaosNode node, final List<ChaosNode> peers) {
        ensureChain(node);
        for (final ChaosNode peer : peers) {
            iptables(node, "-A", CHAIN, "-s", peer.ip(), "-j", "DROP");
            iptables(node, "-A", CHAIN, "-d", peer.ip(), "-j", "DROP");
        }
        LOG.info("node={} firewall drops {}", node.id(), peers);
    }

    /**
     * Removes every rule a nemesis added to the node; a node that does not run has none left to remove.
     *
     * @param node the node
     */
    public static void heal(final ChaosNode node) {
        if (!node.isRunning()) {
            return;
        }
        ensureChain(node);
        iptables(node, "-F", CHAIN);
    }

    private static void ensureChain(final ChaosNode node) {
        if (!run(node, List.of("-L", CHAIN, "-n"), false)) {
            iptables(node, "-N", CHAIN);
        }
        for (final String hook : List.of("INPUT", "OUTPUT")) {
            if (!run(node, List.of("-C", hook, "-j", CHAIN), false)) {
                iptables(node, "-I", hook, "-j", CHAIN);
            }
        }
    }

    private static void iptables(final ChaosNode node, final String... args) {
        run(node, List.of(args), true);
    }

    private static boolean run(final ChaosNode node, final List<String> args, final boolean mustSucceed) {
        final List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(node.pid()), "-n",
            "iptables", "-w"));
        cmd.addAll(args);
        try {
            final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(COMMAND_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not end in " + COMMAND_TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0 && mustSucceed) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): "
                    + out);
            }
            return p.exitValue() == 0;
        } catch (final IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
        }
    }
}
