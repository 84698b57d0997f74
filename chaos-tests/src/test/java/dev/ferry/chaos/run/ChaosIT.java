package dev.ferry.chaos.run;

import dev.ferry.chaos.nemesis.DamageSegment;
import dev.ferry.chaos.nemesis.FullDisk;
import dev.ferry.chaos.nemesis.IsolateNode;
import dev.ferry.chaos.nemesis.KillNode;
import dev.ferry.chaos.nemesis.LeadershipStorm;
import dev.ferry.chaos.nemesis.LoseUnsyncedTail;
import dev.ferry.chaos.nemesis.Nemesis;
import dev.ferry.chaos.nemesis.PauseNode;
import dev.ferry.chaos.nemesis.ReassignReplicas;
import dev.ferry.chaos.nemesis.RestartAll;
import dev.ferry.chaos.nemesis.SplitNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The chaos runs: a 3-node cluster of containers (every build) and a 5-node one ({@code -Pchaos},
 * {@code -Pchaos-long}) under a seeded mix of faults while idempotent producers write and group members and
 * standalone readers read; then the history is checked (see {@link ChaosRun}). {@code -Dchaos.minutes} sets the
 * fault time of both runs together (the short default, or the 30-minute soak of {@code -Pchaos-long});
 * {@code -Dchaos.seed} replays a run's printed seed; {@code -Dchaos.nemeses} keeps only the named faults.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class ChaosIT {

    private static final List<Nemesis> EVERY_CLUSTER = List.of(new KillNode(false), new KillNode(true),
        new PauseNode(), new IsolateNode(), new SplitNetwork(SplitNetwork.Shape.MAJORITY_MINORITY),
        new RestartAll(), new LeadershipStorm(), new DamageSegment(), new LoseUnsyncedTail(), new FullDisk());

    @Test
    void threeNodesLoseNothingAcknowledged() {
        ChaosRun.of("chaos-3-nodes", 3, share(0.6), chosen(EVERY_CLUSTER)).runAndCheck();
    }

    /** With -Pchaos and -Pchaos-long: on a 2-core machine 5 node JVMs miss the p99 limit (README, issue 7). */
    @Test
    @EnabledIfSystemProperty(named = "chaos.fiveNodes", matches = "true",
        disabledReason = "the 5-node run needs -Pchaos or -Pchaos-long")
    void fiveNodesLoseNothingAcknowledged() {
        final List<Nemesis> nemeses = new ArrayList<>(EVERY_CLUSTER);
        nemeses.add(new SplitNetwork(SplitNetwork.Shape.BRIDGE));
        nemeses.add(new ReassignReplicas());
        ChaosRun.of("chaos-5-nodes", 5, share(0.4), chosen(nemeses)).runAndCheck();
    }

    /** {@code -Dchaos.nemeses=damage-segment,kill-leader} keeps only the named ones, to work on one fault. */
    private static List<Nemesis> chosen(final List<Nemesis> all) {
        final String names = System.getProperty("chaos.nemeses", "");
        if (names.isBlank()) {
            return all;
        }
        final List<String> wanted = List.of(names.split(","));
        return all.stream().filter(n -> wanted.contains(n.name())).toList();
    }

    private static Duration share(final double part) {
        final double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "4"));
        return Duration.ofMillis((long) (minutes * part * 60_000));
    }
}
