/**
 * The cluster metadata controller, as Kafka's KRaft: a Raft group of controller voters holds every node
 * registration, topic, config and replica assignment as records ({@code metadata.proto}); the group's leader is
 * the active controller, which validates requests, writes records, tracks node liveness by heartbeat and fences
 * silent nodes. Every node keeps the latest {@link dev.ferry.node.controller.MetadataImage} in a
 * {@link dev.ferry.node.controller.MetadataView}, fed by {@link dev.ferry.node.controller.NodeLifecycle}.
 */
package dev.ferry.node.controller;
