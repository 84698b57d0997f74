package dev.ferry.chaos.nemesis;

import dev.ferry.chaos.cluster.ChaosNode;
import dev.ferry.chaos.cluster.NodeFirewall;
import dev.ferry.chaos.history.FaultKind;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Cuts node-to-node links with firewall rules ({@link NodeFirewall}) while clients still reach every node.
 * <ul>
 *   <li>{@code MAJORITY_MINORITY}: a random minority (1 of 3, 2 of 5) cannot talk to the majority; a leader on
 *       the minority side keeps receiving writes and must not acknowledge them.</li>
 *   <li>{@code BRIDGE}: two halves that cannot talk to each other, and one node that talks to both (Jepsen's
 *       bridge): each half sees a majority through the bridge, so only a correct election keeps one leader.</li>
 * </ul>
 */
public final class SplitNetwork implements Nemesis {
    /** The shape of the split. */
    public enum Shape {
        /** A minority cut off from a majority. */
        MAJORITY_MINORITY,
        /** Two halves joined only through one node. */
        BRIDGE
    }

    private final Shape shape;

    /**
     * @param shape how to split the nodes
     */
    public SplitNetwork(final Shape shape) {
        this.shape = shape;
    }

    @Override
    public String name() {
        return shape == Shape.BRIDGE ? "bridge" : "split-majority-minority";
    }

    @Override
    public FaultKind kind() {
        return FaultKind.NETWORK_PARTITION;
    }

    @Override
    public boolean applicable(final NemesisContext context) {
        return context.firewallUsable();
    }

    @Override
    public Fault plan(final NemesisContext context, final Random random) {
        final Map<TopicPartition, Integer> leaders = context.leaders();
        final List<ChaosNode> nodes = new ArrayList<>(context.cluster().nodes());
        Collections.shuffle(nodes, random);
        final List<ChaosNode> left;
        final List<ChaosNode> right;
        final String description;
        if (shape == Shape.BRIDGE) {
            final ChaosNode bridge = nodes.remove(0);
            left = List.copyOf(nodes.subList(0, nodes.size() / 2));
            right = List.copyOf(nodes.subList(nodes.size() / 2, nodes.size()));
            description = "bridge: " + names(left) + " | " + bridge.name() + " | " + names(right);
        } else {
            final int minority = (nodes.size() - 1) / 2;
            left = List.copyOf(nodes.subList(0, minority));
            right = List.copyOf(nodes.subList(minority, nodes.size()));
            description = "split: minority " + names(left) + " | majority " + names(right);
        }
        final List<ChaosNode> all = context.cluster().nodes();
        return new Fault(description, targetNames(left), NemesisContext.ledBy(left, leaders), () -> {
            for (final ChaosNode n : left) {
                NodeFirewall.block(n, right);
            }
            for (final ChaosNode n : right) {
                NodeFirewall.block(n, left);
            }
        }, () -> all.forEach(NodeFirewall::heal));
    }

    private static List<String> targetNames(final List<ChaosNode> nodes) {
        return nodes.stream().map(ChaosNode::name).toList();
    }

    private static String names(final List<ChaosNode> nodes) {
        return String.join(",", targetNames(nodes));
    }
}
