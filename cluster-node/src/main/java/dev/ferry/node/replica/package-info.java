/** Makes the partition replicas this node hosts match the cluster metadata. */
package dev.ferry.node.replica;
