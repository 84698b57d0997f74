package dev.ferry.node.controller;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's copy of the cluster metadata: the latest image received from the controller and the leader table
 * (which node leads each partition, as reported to the controller). Readers get the latest values lock-free;
 * listeners hear of each newer image (the integrator's reconciler creates and removes partition replicas from
 * them). An older image never replaces a newer one. Thread-safe.
 */
public final class MetadataView {
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile LeaderTable leaders = LeaderTable.EMPTY;
    private volatile int controllerId = -1;

    /** @return the latest image */
    public MetadataImage image() {
        return image;
    }

    /** @return the latest leader table */
    public LeaderTable leaders() {
        return leaders;
    }

    /** @return the active controller's node id as last heard, -1 when unknown */
    public int controllerId() {
        return controllerId;
    }

    /**
     * @param listener told of every newer image, on the thread that applies it; must not block
     */
    public void addListener(final Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    /**
     * @param next an image; ignored unless newer than the current one
     * @return true when it replaced the current image
     */
    public boolean apply(final MetadataImage next) {
        // Listeners run under the lock so that they see images in epoch order whoever applies them.
        synchronized (this) {
            if (next.epoch() <= image.epoch() && image != MetadataImage.EMPTY) {
                return false;
            }
            image = next;
            for (final Consumer<MetadataImage> l : listeners) {
                l.accept(next);
            }
        }
        return true;
    }

    /**
     * @param table a leader table from the controller
     */
    public void applyLeaders(final LeaderTable table) {
        leaders = table;
    }

    /**
     * @param id the active controller's node id
     */
    public void controllerId(final int id) {
        controllerId = id;
    }

    /**
     * Waits for the image to reach an epoch (CreateTopics answers once the topic is visible here).
     *
     * @param epoch the epoch wanted
     * @return completes with the image when it reaches the epoch; never fails (callers add their timeout)
     */
    public java.util.concurrent.CompletableFuture<MetadataImage> awaitEpoch(final long epoch) {
        final java.util.concurrent.CompletableFuture<MetadataImage> f = new java.util.concurrent.CompletableFuture<>();
        final Consumer<MetadataImage> l = img -> {
            if (img.epoch() >= epoch) {
                f.complete(img);
            }
        };
        listeners.add(l);
        f.whenComplete((r, e) -> listeners.remove(l));
        l.accept(image);
        return f;
    }
}
