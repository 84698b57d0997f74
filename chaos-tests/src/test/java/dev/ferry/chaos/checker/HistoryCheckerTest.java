package dev.ferry.chaos.checker;

import static dev.ferry.chaos.checker.Scenario.P0;
import static dev.ferry.chaos.checker.Scenario.P1;
import static dev.ferry.chaos.checker.Scenario.sum;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.chaos.history.FaultKind;
import dev.ferry.chaos.history.ReaderKind;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

class HistoryCheckerTest {
    /** Asserts exactly these kinds were found with these counts, and no other kind. */
    private static void assertFound(final CheckResult result, final Object... kindsAndCounts) {
        final Map<AnomalyKind, Long> expected = new EnumMap<>(AnomalyKind.class);
        for (final AnomalyKind kind : AnomalyKind.values()) {
            expected.put(kind, 0L);
        }
        for (int i = 0; i < kindsAndCounts.length; i += 2) {
            expected.put((AnomalyKind) kindsAndCounts[i], ((Number) kindsAndCounts[i + 1]).longValue());
        }
        final Map<AnomalyKind, Long> actual = new EnumMap<>(AnomalyKind.class);
        for (final AnomalyKind kind : AnomalyKind.values()) {
            actual.put(kind, result.count(kind));
        }
        assertThat(actual).as(result.describe()).isEqualTo(expected);
    }

    @Test
    void shouldPassAValidHistoryWithUnknownsRetriesRebalancesAndAKill() {
        final Scenario s = new Scenario();
        s.at(0).acked("p1", 0, P0, 0).acked("p1", 1, P0, 1);
        s.send("p1", 2, P0).unknown("p1", 2);               // present once
        s.send("p1", 3, P0).unknown("p1", 3);               // absent
        s.send("p1", 4, P0).failed("p1", 4);                // absent
        s.send("p1", 5, P0).unknown("p1", 5);               // retried under the same id, then acknowledged
        s.send("p1", 5, P0).ack("p1", 5, P0, 3);
        s.acked("p2", 0, P1, 0).acked("p2", 1, P1, 1);
        s.at(50).read("r1", P0, 0, "p1:0").read("r1", P0, 1, "p1:1");
        s.gains("m1", P0, P1).processed("m1", P0, 0, "p1:0").processed("m1", P0, 1, "p1:1").commit("m1", P0, 1);
        s.at(60).loses("m1", P0).gains("m2", P0);
        s.processed("m2", P0, 1, "p1:1").processed("m2", P0, 2, "p1:2").processed("m2", P0, 3, "p1:5");
        s.commit("m2", P0, 4);
        s.processed("m1", P1, 0, "p2:0").processed("m1", P1, 1, "p2:1").commit("m1", P1, 2);
        s.at(100);
        final long kill = s.fault(FaultKind.NODE_KILL, "kill n1", Set.of(P0));
        s.at(150).send("p1", 6, P0).at(400).ack("p1", 6, P0, 4);
        s.recorder.faultEnded(kill);
        s.at(2000).finalLog(P0, "p1:0", "p1:1", "p1:2", "p1:5", "p1:6").finalLog(P1, "p2:0", "p2:1");
        for (final String node : new String[] {"n1", "n2", "n3"}) {
            s.digest(P0, node, 5, "d0").digest(P1, node, 2, "d1");
        }

        final CheckResult result = s.check();

        assertFound(result);
        assertThat(result.valid()).isTrue();
        assertThat(result.describe()).isEqualTo("no anomalies");
        assertThat(result.counts()).isEqualTo(new HistoryCounts(s.history().size(), 9, 6, 1, 2, 16, 3, 1));
        assertThat(result.unavailability().samples()).containsExactly(
                new UnavailabilitySample(kill, "kill n1", P0, 300.0));
    }

    @Test
    void shouldFindAnAcknowledgedValueMissingFromTheFinalRead() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).acked("p1", 1, P0, 1).finalLog(P0, "p1:0");

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.LOST, 1);
        assertThat(result.findings().get(AnomalyKind.LOST).examples())
                .containsExactly("value p1:1 acknowledged at t-0@1 by p1 is missing from the final read");
    }

    @Test
    void shouldCountEveryAcknowledgedValueLostWithoutAFinalRead() {
        assertFound(new Scenario().acked("p1", 0, P0, 0).acked("p1", 1, P0, 1).check(), AnomalyKind.LOST, 2);
    }

    @Test
    void shouldFindValuesNeverSentAndUndecodableBytes() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).finalLog(P0, "p1:0", "ghost");
        s.read("r1", P0, 1, "ghost").read("r2", P0, 1, "ghost");
        s.recorder.read("r1", ReaderKind.STANDALONE, P0, 2, null, 99);

        assertFound(s.check(), AnomalyKind.UNEXPECTED, 2);
    }

    @Test
    void shouldFindACorruptOffsetOnceHoweverManyReadersSawIt() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).acked("p1", 1, P0, 1).finalRead(P0, 0, "p1:0");
        s.recorder.read("final", ReaderKind.FINAL, P0, 1, "p1:1", sum("p1:1") + 1);
        s.recorder.read("r1", ReaderKind.STANDALONE, P0, 1, "p1:1", sum("p1:1") + 1);

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.CORRUPT, 1);
        assertThat(result.findings().get(AnomalyKind.CORRUPT).examples().get(0)).startsWith("value p1:1 at t-0@1");
    }

    @Test
    void shouldFindValuesAtTwoOffsetsWhetherAcknowledgedOrUnknown() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).send("p1", 1, P0).unknown("p1", 1);
        s.finalLog(P0, "p1:0", "p1:1", "p1:1", "p1:0");

        assertFound(s.check(), AnomalyKind.DUPLICATE, 2);
    }

    @Test
    void shouldFindADefinitelyFailedValueThatWasWritten() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).send("p1", 1, P0).failed("p1", 1);
        s.finalLog(P0, "p1:0", "p1:1");

        assertFound(s.check(), AnomalyKind.FAILED_BUT_PRESENT, 1);
    }

    @Test
    void shouldFindOffsetsWhoseValuesChangedAfterBeingRead() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).acked("p1", 1, P0, 1);
        s.read("r1", P0, 0, "p1:0").read("r1", P0, 1, "p1:1");
        s.finalLog(P0, "p1:1", "p1:0");

        // Both offsets hold two values (the acks and r1 against the final read), and both of r1's reads are gone.
        assertFound(s.check(), AnomalyKind.REORDERED, 2, AnomalyKind.DISAPPEARED, 2);
    }

    @Test
    void shouldFindAnOffsetThatWasReadAndThenVanished() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).send("p1", 1, P0).unknown("p1", 1);
        s.read("r1", P0, 1, "p1:1").read("r2", P0, 1, "p1:1");
        s.finalLog(P0, "p1:0");

        assertFound(s.check(), AnomalyKind.DISAPPEARED, 1);
    }

    @Test
    void shouldFindAcknowledgementsOutOfTheProducersSequence() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 1).acked("p1", 1, P0, 0).acked("p1", 2, P0, 2);
        s.acked("p2", 0, P1, 0).acked("p1", 3, P1, 1);
        s.finalLog(P0, "p1:1", "p1:0", "p1:2").finalLog(P1, "p2:0", "p1:3");

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.OUT_OF_SEQUENCE, 1);
        assertThat(result.findings().get(AnomalyKind.OUT_OF_SEQUENCE).examples().get(0))
                .isEqualTo("producer p1: value p1:1 (seq 1) acknowledged at t-0@0, earlier value p1:0 at offset 1");
    }

    @Test
    void shouldFindReplicasThatDifferAfterHealing() {
        final Scenario s = new Scenario();
        s.digest(P0, "n1", 10, "aaaa").digest(P0, "n2", 10, "aaaa").digest(P0, "n3", 10, "bbbb");
        s.digest(P1, "n1", 10, "cccc").digest(P1, "n2", 9, "cccc").digest(P1, "n3", 10, "cccc");
        final Scenario healed = new Scenario();
        healed.digest(P0, "n1", 9, "aaaa").digest(P0, "n2", 9, "aaaa");
        healed.digest(P0, "n1", 10, "bbbb").digest(P0, "n2", 10, "bbbb");

        assertFound(s.check(), AnomalyKind.DIVERGED, 2);
        assertFound(healed.check());
    }

    @Test
    void shouldFindARecordBelowTheCommitThatNoMemberProcessed() {
        final Scenario s = new Scenario().acked("p1", 0, P0, 0).acked("p1", 1, P0, 1).acked("p1", 2, P0, 2);
        s.acked("p1", 3, P0, 3);
        s.gains("m1", P0).processed("m1", P0, 0, "p1:0").processed("m1", P0, 2, "p1:2").commit("m1", P0, 3);
        s.finalLog(P0, "p1:0", "p1:1", "p1:2", "p1:3");

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.UNPROCESSED_BELOW_COMMIT, 1);
        assertThat(result.findings().get(AnomalyKind.UNPROCESSED_BELOW_COMMIT).examples().get(0))
                .isEqualTo("group g: t-0@1 (value p1:1) is below committed offset 3 but no member processed it");
    }

    @Test
    void shouldFindReprocessingBelowTheLastCommitOrWithoutAHandover() {
        final Scenario s = new Scenario();
        for (int i = 0; i < 4; i++) {
            s.acked("p1", i, P0, i);
        }
        s.gains("m1", P0).processed("m1", P0, 0, "p1:0").processed("m1", P0, 1, "p1:1").commit("m1", P0, 2);
        s.processed("m1", P0, 2, "p1:2").processed("m1", P0, 2, "p1:2");     // again, with no handover
        s.loses("m1", P0).gains("m2", P0);
        s.processed("m2", P0, 1, "p1:1");                                    // below the commit of 2
        s.processed("m2", P0, 2, "p1:2").processed("m2", P0, 3, "p1:3");     // past it: allowed
        s.finalLog(P0, "p1:0", "p1:1", "p1:2", "p1:3");

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.REPROCESSED_BELOW_COMMIT, 2);
        assertThat(result.findings().get(AnomalyKind.REPROCESSED_BELOW_COMMIT).examples()).containsExactlyInAnyOrder(
                "group g: t-0@1 processed by m1 then by m2: it lies below offset 2 committed by m1 before the handover",
                "group g: t-0@2 processed by m1 then by m1: the partition did not change hands in between");
    }

    @Test
    void shouldTakeAnotherMembersGainAsTheHandoverWhenTheLossWasNotSeen() {
        final Scenario s = new Scenario();
        for (int i = 0; i < 3; i++) {
            s.acked("p1", i, P0, i);
        }
        s.gains("m1", P0).processed("m1", P0, 0, "p1:0").processed("m1", P0, 1, "p1:1").commit("m1", P0, 1);
        s.processed("m1", P0, 2, "p1:2");
        s.gains("m2", P0);                      // m1 was killed: nobody recorded its loss
        s.processed("m2", P0, 1, "p1:1").processed("m2", P0, 2, "p1:2").commit("m2", P0, 3);
        s.finalLog(P0, "p1:0", "p1:1", "p1:2");

        assertFound(s.check());
    }

    @Test
    void shouldJudgeAZombiesOverlapByTheNewOwnersGain() {
        final Scenario s = new Scenario();
        for (int i = 0; i < 4; i++) {
            s.acked("p1", i, P0, i);
        }
        s.gains("m1", P0).processed("m1", P0, 0, "p1:0").processed("m1", P0, 1, "p1:1").commit("m1", P0, 1);
        s.gains("m2", P0);                      // m1 was fenced and does not know it yet
        s.processed("m1", P0, 2, "p1:2");       // the zombie goes on with what it fetched
        s.processed("m2", P0, 1, "p1:1").processed("m2", P0, 2, "p1:2").processed("m2", P0, 3, "p1:3");
        s.commit("m2", P0, 4);
        s.finalLog(P0, "p1:0", "p1:1", "p1:2", "p1:3");

        assertFound(s.check());
    }

    @Test
    void shouldStillFindAZombieOverlapBelowTheCommitBeforeTheNewOwnersGain() {
        final Scenario s = new Scenario();
        for (int i = 0; i < 3; i++) {
            s.acked("p1", i, P0, i);
        }
        s.gains("m1", P0).processed("m1", P0, 0, "p1:0").processed("m1", P0, 1, "p1:1").commit("m1", P0, 2);
        s.gains("m2", P0);
        s.processed("m1", P0, 2, "p1:2");
        s.processed("m2", P0, 1, "p1:1");       // below the commit of 2 made before m2 gained the partition
        s.finalLog(P0, "p1:0", "p1:1", "p1:2");

        final CheckResult result = s.check();

        assertFound(result, AnomalyKind.REPROCESSED_BELOW_COMMIT, 1);
        assertThat(result.findings().get(AnomalyKind.REPROCESSED_BELOW_COMMIT).examples()).containsExactly(
                "group g: t-0@1 processed by m1 then by m2: it lies below offset 2 committed by m1 before the "
                        + "handover");
    }

    @Test
    void shouldMeasureUnavailabilityFromTheFaultToTheFirstWriteSentAfterIt() {
        final Scenario s = new Scenario();
        s.at(990).send("p1", 0, P0).at(1000);
        final long leaderKill = s.fault(FaultKind.LEADER_KILL, "kill leader of t-0", Set.of(P0));
        s.at(1010).ack("p1", 0, P0, 0);                          // sent before the kill: not a recovery
        s.at(1100).send("p1", 1, P0).at(1600).ack("p1", 1, P0, 1);
        s.at(2000).fault(FaultKind.NODE_PAUSE, "pause n2", Set.of());
        s.at(3000);
        final long nodeKill = s.fault(FaultKind.NODE_KILL, "kill n3", Set.of());
        s.send("p1", 2, P0).at(3100).send("p2", 0, P1).at(3200).ack("p1", 2, P0, 2).at(3900).ack("p2", 0, P1, 0);
        s.at(5000);
        final long lastKill = s.fault(FaultKind.NODE_KILL, "kill n1", Set.of(P1));

        final Unavailability u = s.check().unavailability();

        assertThat(u.samples()).containsExactly(
                new UnavailabilitySample(leaderKill, "kill leader of t-0", P0, 600.0),
                new UnavailabilitySample(nodeKill, "kill n3", P0, 200.0),
                new UnavailabilitySample(nodeKill, "kill n3", P1, 900.0),
                new UnavailabilitySample(lastKill, "kill n1", P1, -1));
        assertThat(u.p50Ms()).isEqualTo(600.0);
        assertThat(u.p99Ms()).isEqualTo(900.0);
        assertThat(u.maxMs()).isEqualTo(900.0);
        assertThat(u.unrecovered()).isEqualTo(1);
    }

    @Test
    void shouldTakeNearestRankPercentiles() {
        final double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) {
            hundred[i] = i + 1;
        }

        assertThat(Unavailability.percentile(hundred, 50)).isEqualTo(50);
        assertThat(Unavailability.percentile(hundred, 99)).isEqualTo(99);
        assertThat(Unavailability.percentile(new double[] {7}, 99)).isEqualTo(7);
        assertThat(Unavailability.percentile(new double[0], 50)).isZero();
    }
}
