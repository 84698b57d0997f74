/** The node's lifecycle and its configuration: every property, its default and its validation. */
package dev.ferry.node.server;
