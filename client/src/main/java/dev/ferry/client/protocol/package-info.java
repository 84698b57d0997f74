/**
 * Ferry's wire protocol: the frame layout, its decoder and encoder, and the protobuf messages generated from
 * {@code src/main/protobuf}. Held by the client module, as Kafka's clients module holds its protocol; the broker
 * depends on it.
 */
package dev.ferry.client.protocol;
