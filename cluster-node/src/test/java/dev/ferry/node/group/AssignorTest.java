package dev.ferry.node.group;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The assignors' contract, and the sticky assignor's promise to move only what balance needs. */
class AssignorTest {

    @Provide
    Arbitrary<PartitionAssignor> assignors() {
        return Arbitraries.of(RangeAssignor.INSTANCE, StickyAssignor.INSTANCE);
    }

    @Property(tries = 300)
    void shouldAssignEveryPartitionToExactlyOneMemberWithCountsWithinOne(
        @ForAll("assignors") final PartitionAssignor assignor, @ForAll @IntRange(min = 1, max = 12) final int members,
        @ForAll @Size(min = 1, max = 3) final List<@IntRange(min = 0, max = 30) Integer> topicSizes) {
        final Map<String, Integer> counts = counts(topicSizes);
        final SortedMap<String, SortedSet<String>> subs = new TreeMap<>();
        for (int m = 0; m < members; m++) {
            subs.put("m" + m, new TreeSet<>(counts.keySet()));
        }
        final Map<String, Set<TopicPartition>> out = assignor.assign(subs, Map.of(), counts);

        assertExactlyOnce(out, subs, counts);
        if (assignor == StickyAssignor.INSTANCE) {
            assertBalanced(out);
        } else {
            // Range balances per topic, so totals differ by at most the number of topics.
            for (final String topic : counts.keySet()) {
                final List<Integer> perTopic = new ArrayList<>();
                out.values().forEach(s -> perTopic.add((int) s.stream().filter(tp -> tp.topic().equals(topic))
                    .count()));
                assertThat(max(perTopic) - min(perTopic)).isLessThanOrEqualTo(1);
            }
        }
    }

    @Property(tries = 200)
    void shouldAssignOnlyToSubscribedMembersWithDifferentSubscriptions(
        @ForAll("assignors") final PartitionAssignor assignor, @ForAll @IntRange(min = 1, max = 8) final int members,
        @ForAll @Size(min = 1, max = 4) final List<@IntRange(min = 0, max = 20) Integer> topicSizes,
        @ForAll final long seed) {
        final Random random = new Random(seed);
        final Map<String, Integer> counts = counts(topicSizes);
        final List<String> topics = new ArrayList<>(counts.keySet());
        final SortedMap<String, SortedSet<String>> subs = new TreeMap<>();
        for (int m = 0; m < members; m++) {
            final SortedSet<String> mine = new TreeSet<>();
            mine.add(topics.get(random.nextInt(topics.size())));
            topics.forEach(t -> {
                if (random.nextBoolean()) {
                    mine.add(t);
                }
            });
            subs.put("m" + m, mine);
        }
        assertExactlyOnce(assignor.assign(subs, randomCurrent(subs.keySet(), counts, random), counts), subs, counts);
    }

    @Property(tries = 300)
    void stickyShouldMoveOnlyPartitionsAboveAMembersShare(@ForAll @IntRange(min = 1, max = 10) final int members,
                                                          @ForAll @IntRange(min = 0, max = 40) final int partitions,
                                                          @ForAll final long seed) {
        final Map<String, Integer> counts = Map.of("t", partitions);
        final SortedMap<String, SortedSet<String>> subs = new TreeMap<>();
        for (int m = 0; m < members; m++) {
            subs.put("m" + m, new TreeSet<>(Set.of("t")));
        }
        // Any starting point: some partitions unowned, some owned by members that have left.
        final Map<String, Set<TopicPartition>> current = randomCurrent(subs.keySet(), counts, new Random(seed));
        final Map<String, Set<TopicPartition>> out = StickyAssignor.INSTANCE.assign(subs, current, counts);

        assertExactlyOnce(out, subs, counts);
        assertBalanced(out);
        assertThat(moved(current, out)).isEqualTo(minimalMoves(current, subs.keySet(), partitions));
    }

    @Property(tries = 200)
    void stickyShouldMoveOnlyWhatBalanceNeedsWhenOneMemberJoinsOrLeaves(
        @ForAll @IntRange(min = 1, max = 10) final int members,
        @ForAll @IntRange(min = 0, max = 40) final int partitions, @ForAll final boolean join) {
        final Map<String, Integer> counts = Map.of("a", partitions / 2, "b", partitions - partitions / 2);
        final SortedMap<String, SortedSet<String>> subs = new TreeMap<>();
        for (int m = 0; m < members; m++) {
            subs.put("m" + m, new TreeSet<>(counts.keySet()));
        }
        final Map<String, Set<TopicPartition>> before = StickyAssignor.INSTANCE.assign(subs, Map.of(), counts);
        if (join) {
            subs.put("new", new TreeSet<>(counts.keySet()));
        } else {
            subs.remove("m0");
        }
        if (subs.isEmpty()) {
            return;
        }
        final Map<String, Set<TopicPartition>> after = StickyAssignor.INSTANCE.assign(subs, before, counts);

        assertExactlyOnce(after, subs, counts);
        assertBalanced(after);
        assertThat(moved(before, after)).isEqualTo(minimalMoves(before, subs.keySet(), partitions));
        if (!join) {
            // The members that stay keep everything they had: only the leaver's partitions move.
            subs.keySet().forEach(m -> assertThat(after.get(m)).containsAll(before.get(m)));
        }
    }

    @Test
    void rangeShouldGiveContiguousRangesBySortedMemberId() {
        final SortedMap<String, SortedSet<String>> subs = new TreeMap<>(Map.of(
            "b", new TreeSet<>(Set.of("t")), "a", new TreeSet<>(Set.of("t"))));
        final Map<String, Set<TopicPartition>> out = RangeAssignor.INSTANCE.assign(subs, Map.of(), Map.of("t", 5));
        assertThat(out.get("a")).containsExactlyInAnyOrder(tp(0), tp(1), tp(2));
        assertThat(out.get("b")).containsExactlyInAnyOrder(tp(3), tp(4));
    }

    @Test
    void shouldFindAssignorsByNameWithStickyAsDefault() {
        assertThat(PartitionAssignor.forName("")).isSameAs(StickyAssignor.INSTANCE);
        assertThat(PartitionAssignor.forName("range")).isSameAs(RangeAssignor.INSTANCE);
        assertThat(PartitionAssignor.forName("roundrobin")).isNull();
    }

    private static TopicPartition tp(final int p) {
        return new TopicPartition("t", p);
    }

    private static Map<String, Integer> counts(final List<Integer> topicSizes) {
        final Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < topicSizes.size(); i++) {
            counts.put("topic" + i, topicSizes.get(i));
        }
        return counts;
    }

    private static Map<String, Set<TopicPartition>> randomCurrent(final Set<String> members,
                                                                   final Map<String, Integer> counts,
                                                                   final Random random) {
        final List<String> owners = new ArrayList<>(members);
        owners.add("departed");
        final Map<String, Set<TopicPartition>> current = new HashMap<>();
        counts.forEach((topic, n) -> {
            for (int p = 0; p < n; p++) {
                if (random.nextInt(4) > 0) {
                    current.computeIfAbsent(owners.get(random.nextInt(owners.size())), k -> new HashSet<>())
                        .add(new TopicPartition(topic, p));
                }
            }
        });
        return current;
    }

    private static void assertExactlyOnce(final Map<String, Set<TopicPartition>> out,
                                          final Map<String, SortedSet<String>> subs,
                                          final Map<String, Integer> counts) {
        assertThat(out.keySet()).isEqualTo(subs.keySet());
        final Set<TopicPartition> seen = new HashSet<>();
        out.forEach((member, parts) -> parts.forEach(tp -> {
            assertThat(subs.get(member)).as("member %s subscribes to %s", member, tp.topic()).contains(tp.topic());
            assertThat(seen.add(tp)).as("%s assigned twice", tp).isTrue();
        }));
        final Set<String> subscribed = new HashSet<>();
        subs.values().forEach(subscribed::addAll);
        int expected = 0;
        for (final String t : subscribed) {
            expected += counts.getOrDefault(t, 0);
        }
        assertThat(seen).hasSize(expected);
    }

    private static void assertBalanced(final Map<String, Set<TopicPartition>> out) {
        final List<Integer> sizes = new ArrayList<>();
        out.values().forEach(s -> sizes.add(s.size()));
        assertThat(max(sizes) - min(sizes)).as("sizes %s", sizes).isLessThanOrEqualTo(1);
    }

    /** Partitions that a member kept in both assignments owned before and owns no longer. */
    private static int moved(final Map<String, Set<TopicPartition>> before,
                             final Map<String, Set<TopicPartition>> after) {
        int moved = 0;
        for (final Map.Entry<String, Set<TopicPartition>> e : after.entrySet()) {
            for (final TopicPartition tp : before.getOrDefault(e.getKey(), Set.of())) {
                if (!e.getValue().contains(tp)) {
                    moved++;
                }
            }
        }
        return moved;
    }

    /** The fewest moves of a balanced result: each member keeps up to its share, larger shares to larger holders. */
    private static int minimalMoves(final Map<String, Set<TopicPartition>> before, final Set<String> members,
                                    final int partitions) {
        final List<Integer> held = new ArrayList<>();
        members.forEach(m -> held.add(before.getOrDefault(m, Set.of()).size()));
        held.sort((a, b) -> Integer.compare(b, a));
        final int floor = partitions / members.size();
        final int extra = partitions % members.size();
        int moves = 0;
        for (int i = 0; i < held.size(); i++) {
            moves += Math.max(0, held.get(i) - (floor + (i < extra ? 1 : 0)));
        }
        return moves;
    }

    private static int max(final List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private static int min(final List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).min().orElse(0);
    }
}
