package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.ChaosValue;
import dev.ferry.chaos.history.FaultKind;
import dev.ferry.chaos.history.History;
import dev.ferry.chaos.history.HistoryRecorder;
import dev.ferry.chaos.history.ManualClock;
import dev.ferry.chaos.history.ReaderKind;
import dev.ferry.client.TopicPartition;

import java.util.List;
import java.util.Set;

/** Writes crafted histories tersely: a recorder on a manual clock, with one helper per common step. */
final class Scenario {
    static final TopicPartition P0 = new TopicPartition("t", 0);
    static final TopicPartition P1 = new TopicPartition("t", 1);
    static final String GROUP = "g";

    final ManualClock clock = new ManualClock();
    final HistoryRecorder recorder = new HistoryRecorder(clock);

    static long sum(final String valueId) {
        return ChaosValue.checksum(ChaosValue.encode(valueId, 16));
    }

    Scenario at(final long ms) {
        clock.atMs(ms);
        return this;
    }

    Scenario send(final String producer, final long seq, final TopicPartition partition) {
        recorder.send(producer, seq, producer + ":" + seq, partition, sum(producer + ":" + seq));
        return this;
    }

    Scenario ack(final String producer, final long seq, final TopicPartition partition, final long offset) {
        recorder.acknowledged(producer, producer + ":" + seq, partition, offset);
        return this;
    }

    /** A send acknowledged one millisecond later. */
    Scenario acked(final String producer, final long seq, final TopicPartition partition, final long offset) {
        send(producer, seq, partition);
        clock.advanceMs(1);
        return ack(producer, seq, partition, offset);
    }

    Scenario failed(final String producer, final long seq) {
        recorder.failed(producer, producer + ":" + seq, "NOT_ENOUGH_REPLICAS");
        return this;
    }

    Scenario unknown(final String producer, final long seq) {
        recorder.unknown(producer, producer + ":" + seq, "request timed out");
        return this;
    }

    Scenario read(final String reader, final TopicPartition partition, final long offset, final String valueId) {
        recorder.read(reader, ReaderKind.STANDALONE, partition, offset, valueId, sum(valueId));
        return this;
    }

    Scenario finalRead(final TopicPartition partition, final long offset, final String valueId) {
        recorder.read("final", ReaderKind.FINAL, partition, offset, valueId, sum(valueId));
        return this;
    }

    /** The final reader reads these values at offsets 0, 1, 2, ... */
    Scenario finalLog(final TopicPartition partition, final String... valueIds) {
        for (int i = 0; i < valueIds.length; i++) {
            finalRead(partition, i, valueIds[i]);
        }
        return this;
    }

    Scenario processed(final String member, final TopicPartition partition, final long offset,
                       final String valueId) {
        recorder.groupRead(GROUP, member, partition, offset, valueId, sum(valueId));
        return this;
    }

    Scenario commit(final String member, final TopicPartition partition, final long offset) {
        recorder.commit(GROUP, member, partition, offset);
        return this;
    }

    Scenario gains(final String member, final TopicPartition... partitions) {
        recorder.assignment(GROUP, member, List.of(partitions), List.of());
        return this;
    }

    Scenario loses(final String member, final TopicPartition... partitions) {
        recorder.assignment(GROUP, member, List.of(), List.of(partitions));
        return this;
    }

    long fault(final FaultKind kind, final String name, final Set<TopicPartition> led) {
        return recorder.faultStarted(kind, name, List.of("n1"), led);
    }

    Scenario digest(final TopicPartition partition, final String node, final long hw, final String digest) {
        recorder.replicaDigest(partition, node, hw, digest);
        return this;
    }

    History history() {
        return recorder.history();
    }

    CheckResult check() {
        return new HistoryChecker().check(history());
    }
}
