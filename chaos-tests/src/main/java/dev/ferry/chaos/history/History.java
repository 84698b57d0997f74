package dev.ferry.chaos.history;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * A finished history: every operation of a run, ordered by monotonic time. Operations recorded at the same
 * nanosecond keep the order they were given in.
 *
 * <p>Immutable.
 */
public final class History {
    private final List<Op> ops;

    private History(final List<Op> ops) {
        this.ops = ops;
    }

    /**
     * @param ops operations in any order
     * @return the history of those operations, sorted by monotonic time
     */
    public static History of(final List<? extends Op> ops) {
        final List<Op> sorted = new ArrayList<>(ops);
        sorted.sort(Comparator.comparingLong(Op::monoNs));
        return new History(Collections.unmodifiableList(sorted));
    }

    /** @return every operation, in monotonic-time order */
    public List<Op> ops() {
        return ops;
    }

    /** @return the number of operations */
    public int size() {
        return ops.size();
    }

    /** @return the monotonic time of the first operation; 0 when empty */
    public long startNs() {
        return ops.isEmpty() ? 0 : ops.get(0).monoNs();
    }

    /** @return the monotonic time of the last operation; 0 when empty */
    public long endNs() {
        return ops.isEmpty() ? 0 : ops.get(ops.size() - 1).monoNs();
    }

    /** @return the wall-clock time of the first operation; 0 when empty */
    public long startWallMs() {
        return ops.isEmpty() ? 0 : ops.get(0).wallMs();
    }

    /**
     * @param type the operation type, e.g. {@code Op.Read.class}
     * @param <T> the operation type
     * @return the operations of that type, in order
     */
    public <T extends Op> List<T> ofType(final Class<T> type) {
        final List<T> out = new ArrayList<>();
        for (final Op op : ops) {
            if (type.isInstance(op)) {
                out.add(type.cast(op));
            }
        }
        return out;
    }
}
