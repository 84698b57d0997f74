/** What request handlers need to know of the cluster, independent of how the metadata is kept. */
package dev.ferry.node.cluster;
