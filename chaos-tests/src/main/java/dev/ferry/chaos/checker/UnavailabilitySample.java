package dev.ferry.chaos.checker;

import dev.ferry.client.TopicPartition;

/**
 * How long one partition took to acknowledge a write after one leader-taking fault: from the fault's start to the
 * acknowledgement of the first write sent at or after it.
 *
 * @param faultId the fault's id
 * @param faultName the fault's label
 * @param partition the partition
 * @param millis the time in milliseconds, or -1 when no write sent after the fault was ever acknowledged
 */
public record UnavailabilitySample(long faultId, String faultName, TopicPartition partition, double millis) {
    /** @return whether the partition acknowledged a write again before the history ended */
    public boolean recovered() {
        return millis >= 0;
    }
}
