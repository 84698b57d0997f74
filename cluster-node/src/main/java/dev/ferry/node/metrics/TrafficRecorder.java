package dev.ferry.node.metrics;

/** Counts records and bytes in and out per topic. Called on request paths: must be cheap and never block. */
public interface TrafficRecorder {

    /**
     * @param topic the topic
     * @param bytes batch bytes appended
     * @param records records appended
     */
    void produced(String topic, long bytes, long records);

    /**
     * @param topic the topic
     * @param bytes batch bytes sent
     * @param records records sent (approximate: whole batches are sent, the first may start before the offset
     *                asked for)
     */
    void fetched(String topic, long bytes, long records);

    /** Records nothing. */
    TrafficRecorder NONE = new TrafficRecorder() {
        @Override
        public void produced(final String topic, final long bytes, final long records) {
        }

        @Override
        public void fetched(final String topic, final long bytes, final long records) {
        }
    };
}
