package dev.ferry.node.controller;

import java.util.concurrent.CompletableFuture;

/**
 * Hands out producer ids on one node from blocks the controller allocates ({@link ControllerClient#PRODUCER_ID_BLOCK}
 * at a time): no id is ever handed out twice in the cluster, across nodes and controller failovers, because each
 * block is a record in the metadata log. Ids of a block a node had not used up before it stopped are lost, as in
 * Kafka. Thread-safe.
 */
public final class ProducerIdAllocator {
    private final int nodeId;
    private final ControllerClient client;
    private long next;
    private long end;
    private CompletableFuture<Void> refill;

    /**
     * @param nodeId this node
     * @param client the controller client
     */
    public ProducerIdAllocator(final int nodeId, final ControllerClient client) {
        this.nodeId = nodeId;
        this.client = client;
    }

    /** @return the next producer id; fails with {@link ControllerException} when no block can be had */
    public synchronized CompletableFuture<Long> nextId() {
        if (next < end) {
            return CompletableFuture.completedFuture(next++);
        }
        if (refill == null) {
            refill = client.allocateProducerIds(nodeId).thenAccept(first -> {
                synchronized (this) {
                    next = first;
                    end = first + ControllerClient.PRODUCER_ID_BLOCK;
                }
            }).whenComplete((v, e) -> {
                synchronized (this) {
                    refill = null;
                }
            });
        }
        return refill.thenCompose(v -> nextId());
    }
}
