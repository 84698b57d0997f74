package dev.ferry.chaos.checker;

import dev.ferry.chaos.history.FaultKind;
import dev.ferry.chaos.history.History;
import dev.ferry.client.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates a random valid history from a seed by simulating a correct cluster: per-partition logs, producers
 * whose sends are acknowledged, fail or time out (a timed-out send is written or not), a standalone reader, a
 * consumer group whose members process, commit and move partitions (a new owner restarts from the last commit),
 * node kills, a final read of every log and equal replica digests.
 */
final class SimulatedRun {
    static final String[] PRODUCERS = {"p1", "p2", "p3"};
    static final String[] MEMBERS = {"m1", "m2", "m3"};

    final Scenario s = new Scenario();
    final List<TopicPartition> partitions = new ArrayList<>();
    final Map<TopicPartition, List<String>> logs = new HashMap<>();
    private final Random random;
    private final Map<String, Long> nextSeq = new HashMap<>();
    private final Map<TopicPartition, String> owner = new HashMap<>();
    private final Map<TopicPartition, Long> position = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    SimulatedRun(final long seed) {
        this.random = new Random(seed);
        final int partitionCount = 1 + random.nextInt(4);
        for (int i = 0; i < partitionCount; i++) {
            final TopicPartition tp = new TopicPartition("t", i);
            partitions.add(tp);
            logs.put(tp, new ArrayList<>());
            final String member = MEMBERS[i % MEMBERS.length];
            owner.put(tp, member);
            position.put(tp, 0L);
            s.gains(member, tp);
        }
    }

    /** @return a valid history of {@code steps} random steps, then the final read and the digests */
    History run(final int steps) {
        // At least two acknowledged values on the first partition, so every injection has something to work on.
        send("p1", partitions.get(0), 0);
        send("p1", partitions.get(0), 0);
        for (int i = 0; i < steps; i++) {
            s.clock.advanceMs(1 + random.nextInt(20));
            step(random.nextInt(100));
        }
        s.clock.advanceMs(1000);
        for (final TopicPartition tp : partitions) {
            s.finalLog(tp, logs.get(tp).toArray(new String[0]));
            for (final String node : new String[] {"n1", "n2", "n3"}) {
                s.digest(tp, node, logs.get(tp).size(), Integer.toHexString(logs.get(tp).hashCode()));
            }
        }
        return s.history();
    }

    private void step(final int dice) {
        final TopicPartition tp = partitions.get(random.nextInt(partitions.size()));
        if (dice < 45) {
            send(PRODUCERS[random.nextInt(PRODUCERS.length)], tp, random.nextInt(100));
        } else if (dice < 55) {
            final List<String> log = logs.get(tp);
            if (!log.isEmpty()) {
                final int offset = random.nextInt(log.size());
                s.read("r1", tp, offset, log.get(offset));
            }
        } else if (dice < 80) {
            final long next = position.get(tp);
            if (next < logs.get(tp).size()) {
                s.processed(owner.get(tp), tp, next, logs.get(tp).get((int) next));
                position.put(tp, next + 1);
            }
        } else if (dice < 90) {
            s.commit(owner.get(tp), tp, position.get(tp));
            committed.put(tp, position.get(tp));
        } else if (dice < 96) {
            rebalance(tp);
        } else {
            final long fault = s.fault(FaultKind.NODE_KILL, "kill n" + (1 + random.nextInt(3)),
                    random.nextBoolean() ? Set.of(tp) : Set.of());
            s.clock.advanceMs(random.nextInt(500));
            s.recorder.faultEnded(fault);
        }
    }

    private void send(final String producer, final TopicPartition tp, final int dice) {
        final long seq = nextSeq.merge(producer, 1L, Long::sum) - 1;
        final String valueId = producer + ":" + seq;
        s.send(producer, seq, tp);
        s.clock.advanceMs(1 + random.nextInt(5));
        final List<String> log = logs.get(tp);
        if (dice < 75) {
            log.add(valueId);
            s.ack(producer, seq, tp, log.size() - 1);
        } else if (dice < 85) {
            s.failed(producer, seq);
        } else {
            if (random.nextBoolean()) {
                log.add(valueId);
            }
            s.unknown(producer, seq);
        }
    }

    private void rebalance(final TopicPartition tp) {
        final String from = owner.get(tp);
        final String to = MEMBERS[random.nextInt(MEMBERS.length)];
        if (random.nextBoolean()) {
            s.commit(from, tp, position.get(tp));
            committed.put(tp, position.get(tp));
        }
        if (random.nextBoolean()) {
            s.loses(from, tp);      // sometimes the loss goes unrecorded, as when a member is killed
        }
        s.clock.advanceMs(1);
        s.gains(to, tp);
        owner.put(tp, to);
        position.put(tp, committed.getOrDefault(tp, 0L));
    }
}
