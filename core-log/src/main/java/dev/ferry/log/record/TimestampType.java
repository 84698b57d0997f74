package dev.ferry.log.record;

/**
 * What a batch's record timestamps mean, stored in attribute bit 3
 * ({@link RecordBatchLayout#TIMESTAMP_TYPE_MASK}).
 *
 * <p>Thread-safe (immutable).
 */
public enum TimestampType {
    /** Timestamps were set by the producer when it created the records. */
    CREATE_TIME,
    /** Timestamps were set by the broker when it appended the batch. */
    LOG_APPEND_TIME
}
