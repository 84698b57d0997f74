/**
 * The record batch format: the unit Ferry appends, replicates, stores and serves.
 *
 * <p>{@link dev.ferry.log.record.RecordBatchLayout} owns the byte layout (also described in
 * {@code core-log/FORMAT.md}). {@link dev.ferry.log.record.RecordBatchBuilder} writes one batch into a
 * caller's buffer, {@link dev.ferry.log.record.RecordBatch} is a flyweight that reads and stamps a batch
 * in place and validates untrusted bytes with {@code ensureValid}, and
 * {@link dev.ferry.log.record.RecordCursor} walks its records. None of them allocates per record.
 */
package dev.ferry.log.record;
