/**
 * The admin client: topics, partitions, configs, the cluster's nodes, consumer groups with their lag and offsets,
 * leadership and replica placement, through {@link dev.ferry.client.admin.FerryAdmin}.
 */
package dev.ferry.client.admin;
