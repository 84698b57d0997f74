/**
 * Sparse memory-mapped indexes of a log segment: {@link dev.ferry.log.index.OffsetIndex} maps offsets to
 * file positions in the segment's {@code .log} file, {@link dev.ferry.log.index.TimeIndex} maps timestamps
 * to offsets. Both are derived data without a checksum; after an unclean shutdown they are rebuilt from the
 * log.
 *
 * <p>Every index has a single writer (the partition's append thread) and any number of readers that look
 * up entries without taking a lock.
 */
package dev.ferry.log.index;
