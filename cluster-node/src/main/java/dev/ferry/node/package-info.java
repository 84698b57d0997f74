/**
 * The Ferry broker process: network server, protocol handlers, metadata controller, groups (issue 4). Empty
 * until that issue lands.
 */
package dev.ferry.node;
