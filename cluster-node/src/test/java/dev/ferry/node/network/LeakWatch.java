package dev.ferry.node.network;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;

import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Collects the buffer leaks Netty's leak detector reports, so that a test can fail on them instead of leaving a
 * line in the log. Netty reports a leak when the leaked buffer is collected and the detector next tracks a
 * buffer; {@link #collect()} provokes both. The detector is Netty's own (paranoid level: every buffer tracked),
 * reached through its package-private field because Netty offers no other hook for its listener.
 *
 * <p>Thread-safe.
 */
final class LeakWatch {
    private static final LeakWatch INSTANCE = new LeakWatch();

    private final List<String> leaks = new CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    private LeakWatch() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        try {
            final Field field = AbstractByteBuf.class.getDeclaredField("leakDetector");
            field.setAccessible(true);
            final ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) field.get(null);
            detector.setLeakListener((resourceType, records) -> leaks.add(resourceType + ": " + records));
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach Netty's buffer leak detector", e);
        }
    }

    /** @return the one watch of this JVM (Netty has one buffer leak detector) */
    static LeakWatch instance() {
        return INSTANCE;
    }

    /**
     * Runs collections and tracks fresh buffers so that pending reports fire.
     *
     * @return the leaks reported since the last call
     */
    synchronized List<String> collect() {
        for (int i = 0; i < 5; i++) {
            System.gc();
            for (int j = 0; j < 100; j++) {
                ByteBufAllocator.DEFAULT.buffer(16).release();
                ByteBufAllocator.DEFAULT.directBuffer(16).release();
                ByteBufAllocator.DEFAULT.heapBuffer(16).release();
            }
        }
        final List<String> seen = List.copyOf(leaks);
        leaks.removeAll(seen);
        return seen;
    }
}
