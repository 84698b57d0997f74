/** The client's exceptions: one type carrying the node's error code and whether a retry can help. */
package dev.ferry.client.errors;
