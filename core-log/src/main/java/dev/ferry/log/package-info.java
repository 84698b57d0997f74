/**
 * A partition's storage: the segmented, page-cache-backed log.
 *
 * <p>{@link dev.ferry.log.PartitionLog} is the entry point: one writer appends record batches, any number of
 * readers take zero-copy slices of whole batches up to a bound the caller gives (the high watermark).
 * Sub-packages hold the record batch format ({@code record}), the sparse memory-mapped indexes ({@code index})
 * and the segment files ({@code segment}).
 */
package dev.ferry.log;
