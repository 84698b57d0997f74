/**
 * The producer: {@link dev.ferry.client.producer.FerryProducer} batches records per partition in a bounded
 * buffer and a sender thread ships them to each partition's leader, idempotently by default, as Kafka's producer
 * does.
 */
package dev.ferry.client.producer;
