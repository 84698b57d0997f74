/**
 * The Ferry Java client library: producer, consumer, admin, and the wire protocol (issue 5). Empty until that
 * issue lands.
 */
package dev.ferry.client;
