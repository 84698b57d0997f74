package dev.ferry.replication;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CopyOnWriteArrayList;

/** Fans events out to every added listener; a failing listener is logged and does not stop the others. */
final class ReplicaListeners implements ReplicaListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaListeners.class);
    private final CopyOnWriteArrayList<ReplicaListener> listeners = new CopyOnWriteArrayList<>();

    void add(final ReplicaListener listener) {
        listeners.add(listener);
    }

    @Override
    public void onHighWatermark(final PartitionId partition, final long highWatermark) {
        for (final ReplicaListener l : listeners) {
            try {
                l.onHighWatermark(partition, highWatermark);
            } catch (final RuntimeException e) {
                LOG.error("partition={} high watermark listener {} failed", partition, l, e);
            }
        }
    }

    @Override
    public void onLeadershipChange(final PartitionId partition, final String leaderNodeId, final boolean leaderReady) {
        for (final ReplicaListener l : listeners) {
            try {
                l.onLeadershipChange(partition, leaderNodeId, leaderReady);
            } catch (final RuntimeException e) {
                LOG.error("partition={} leadership listener {} failed", partition, l, e);
            }
        }
    }
}
