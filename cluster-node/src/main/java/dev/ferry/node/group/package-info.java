/**
 * Consumer groups managed on the server in the style of Kafka's KIP-848: the {@link
 * dev.ferry.node.group.GroupCoordinator} of each group (the leader of the group's partition of
 * {@code __consumer_offsets}) keeps its members, computes target assignments with a {@link
 * dev.ferry.node.group.PartitionAssignor}, hands partitions out incrementally, and stores committed offsets in
 * that partition through the {@link dev.ferry.node.group.OffsetStore}.
 */
package dev.ferry.node.group;
