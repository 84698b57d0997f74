package dev.ferry.client.producer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks a record's partition as Kafka's default partitioner does, so that a key lands on the same partition number
 * with a Kafka client and with Ferry's: an explicit partition is honoured; a key goes to
 * {@code (murmur2(key) & 0x7fffffff) % numPartitions}; records without a key stick to one partition per topic
 * until its batch is full or sent (big batches), then move to another one at random.
 *
 * <p>Thread-safe.
 */
public final class Partitioner {
    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private final Map<String, Integer> sticky = new ConcurrentHashMap<>();

    /**
     * Kafka's {@code Utils.murmur2}: the 32-bit murmur2 hash with Kafka's seed.
     *
     * @param data the bytes
     * @return the hash, possibly negative
     */
    @SuppressWarnings("fallthrough")
    public static int murmur2(final byte[] data) {
        final int length = data.length;
        int h = SEED ^ length;
        final int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            final int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8) + ((data[i4 + 2] & 0xff) << 16)
                + ((data[i4 + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        final int tail = length & ~3;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /**
     * @param key a record key
     * @param numPartitions the topic's partition count
     * @return the partition Kafka's default partitioner picks for the key
     */
    public static int partitionForKey(final byte[] key, final int numPartitions) {
        return (murmur2(key) & 0x7fffffff) % numPartitions;
    }

    /**
     * @param topic the record's topic
     * @param explicit the record's partition, or null
     * @param key the record's key, or null
     * @param numPartitions the topic's partition count
     * @return the partition
     */
    public int partition(final String topic, final Integer explicit, final byte[] key, final int numPartitions) {
        if (explicit != null) {
            return explicit;
        }
        if (key != null) {
            return partitionForKey(key, numPartitions);
        }
        final Integer current = sticky.get(topic);
        if (current != null && current < numPartitions) {
            return current;
        }
        return onNewBatch(topic, -1, numPartitions);
    }

    /**
     * Moves a topic's keyless records to another partition: the sticky partition's batch is full or was sent.
     *
     * @param topic the topic
     * @param previous the partition whose batch is done, -1 for none
     * @param numPartitions the topic's partition count
     * @return the new sticky partition
     */
    public int onNewBatch(final String topic, final int previous, final int numPartitions) {
        return sticky.compute(topic, (t, current) -> {
            if (current != null && current != previous && current < numPartitions) {
                return current;
            }
            if (numPartitions == 1) {
                return 0;
            }
            if (previous < 0 || previous >= numPartitions) {
                return ThreadLocalRandom.current().nextInt(numPartitions);
            }
            final int next = ThreadLocalRandom.current().nextInt(numPartitions - 1);
            return next >= previous ? next + 1 : next;
        });
    }
}
