/**
 * The consumer: {@link dev.ferry.client.consumer.FerryConsumer} reads records from partitions it is given
 * ({@code assign}) or that a consumer group's coordinator gives it ({@code subscribe}), from the nearest replica,
 * and commits its progress to the group. Used from one thread, as Kafka's consumer.
 */
package dev.ferry.client.consumer;
