/** The node's network server: frames, dispatch to API handlers, limits, zero-copy responses. */
package dev.ferry.node.network;
