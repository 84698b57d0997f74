package dev.ferry.client.network;

import com.google.protobuf.MessageLite;
import dev.ferry.client.errors.FerryException;
import dev.ferry.client.protocol.proto.ApiKey;
import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.client.protocol.proto.MetadataRequest;
import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The connections of one client (producer, consumer or admin) to the nodes of a cluster, and what it knows of
 * the cluster: one connection per node, opened on first use and again after it closed; requests to a node by
 * id, or to any reachable node (known nodes first, then the bootstrap addresses); the cluster metadata,
 * refreshed on demand.
 *
 * <p>Thread-safe. Futures complete on the network's event loop: callbacks must not block.
 */
public final class NetworkClient implements AutoCloseable {
    /** A connection whose requests have waited this long without any answer is asked last for metadata. */
    public static final long STALLED_MS = 1_000;
    /**
     * After a failed connect, {@link #ready} waits this long before trying the node again: a node that refuses
     * at once (process gone, machine up) would otherwise be retried in a loop.
     */
    static final long RECONNECT_BACKOFF_MS = 200;

    private final List<String> bootstrap;
    private final ConnectionConfig config;
    private final ClientNetwork network;
    private final Map<String, CompletableFuture<FerryConnection>> connections = new ConcurrentHashMap<>();
    private final Map<String, Long> connectFailedAt = new ConcurrentHashMap<>();
    private volatile ClusterMetadata metadata = ClusterMetadata.EMPTY;

    /**
     * @param bootstrap host:port of one or more nodes to learn the cluster from
     * @param config the connections' settings (client id, connect timeout, max frame)
     * @param ioThreads event-loop threads
     * @throws IllegalArgumentException naming the address when one is not host:port
     */
    public NetworkClient(final List<String> bootstrap, final ConnectionConfig config, final int ioThreads) {
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap.servers is empty: give at least one host:port");
        }
        for (final String address : bootstrap) {
            parsePort(address);
        }
        this.bootstrap = List.copyOf(bootstrap);
        this.config = config;
        this.network = new ClientNetwork(ioThreads, config.clientId());
    }

    private static int parsePort(final String address) {
        final int colon = address.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            return Integer.parseInt(address.substring(colon + 1));
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("not a host:port address: " + address, e);
        }
    }

    /** @return what the client knows of the cluster now */
    public ClusterMetadata metadata() {
        return metadata;
    }

    /**
     * Asks any node for the metadata of some topics (all topics when empty) and merges the answer.
     *
     * @param topics the topics
     * @param timeoutMs how long to wait
     * @return the updated metadata
     */
    public CompletableFuture<ClusterMetadata> refreshMetadata(final Collection<String> topics, final long timeoutMs) {
        final MetadataRequest request = MetadataRequest.newBuilder().addAllTopics(topics)
            .setAllTopics(topics.isEmpty()).build();
        return sendToAny(ApiKey.METADATA, request, timeoutMs).thenApply(response -> {
            try (response) {
                final MetadataResponse body = response.body(MetadataResponse.parser());
                synchronized (this) {
                    metadata = metadata.merge(body);
                }
                return metadata;
            }
        });
    }

    /**
     * Takes the leader a NOT_LEADER answer named (see {@link ClusterMetadata#withLeader}).
     *
     * @param topic the topic
     * @param partition the partition
     * @param leader the leader the refusing node named
     */
    public void leaderMoved(final String topic, final int partition, final NodeEndpoint leader) {
        synchronized (this) {
            metadata = metadata.withLeader(topic, partition, leader);
        }
    }

    /**
     * @param nodeId a node known from the metadata
     * @param key the API
     * @param body the request body
     * @param records batches after the body, or null; released in every case
     * @param timeoutMs how long to wait
     * @return the response (the caller closes it); a header-level error fails the future with a
     *         {@link FerryException}; a network failure with a retriable {@link NetworkException}
     */
    public CompletableFuture<ClientResponse> send(final int nodeId, final ApiKey key, final MessageLite body,
                                                  final ByteBuf records, final long timeoutMs) {
        final NodeEndpoint node = metadata.node(nodeId);
        if (node == null) {
            ReferenceCountUtil.release(records);
            return CompletableFuture.failedFuture(new FerryException(ErrorCode.LEADER_NOT_AVAILABLE,
                "no address known for node=" + nodeId + "; refresh the metadata", true, null));
        }
        return send(address(node), key, body, records, timeoutMs);
    }

    /**
     * Whether a request to the node would leave now over an open connection. If not, starts connecting in the
     * background (unless a connect is under way or the last one failed less than {@link #RECONNECT_BACKOFF_MS}
     * ago) and runs {@code onChange} when that connect ends. Senders hold a node's requests until it is ready,
     * as Kafka's NetworkClient does: a request handed to a connect to a dead machine waits out the whole connect
     * timeout, while the partition's new leader is known from the metadata long before.
     *
     * @param nodeId a node known from the metadata
     * @param onChange run (on the network's event loop) when a connect this call started ends, either way
     * @return true if the node's connection is open
     */
    public boolean ready(final int nodeId, final Runnable onChange) {
        final NodeEndpoint node = metadata.node(nodeId);
        if (node == null) {
            return false;
        }
        final String address = address(node);
        final CompletableFuture<FerryConnection> existing = connections.get(address);
        if (existing != null && !existing.isDone()) {
            return false;
        }
        if (isOpen(existing)) {
            return true;
        }
        final Long failedAt = connectFailedAt.get(address);
        if (failedAt != null && System.nanoTime() - failedAt < RECONNECT_BACKOFF_MS * 1_000_000L) {
            return false;
        }
        connection(address).whenComplete((c, e) -> onChange.run());
        return false;
    }

    /**
     * Gives up the open connection to a node (see {@link FerryConnection#abandon}); its pending requests fail as
     * retriable. For a connection that waits on a node that has stopped answering while the metadata shows its
     * work moved elsewhere.
     *
     * @param nodeId a node known from the metadata
     * @param reason why, for the requests' errors
     */
    public void abandon(final int nodeId, final String reason) {
        final NodeEndpoint node = metadata.node(nodeId);
        if (node != null) {
            final CompletableFuture<FerryConnection> c = connections.get(address(node));
            if (isOpen(c)) {
                c.join().abandon(reason);
            }
        }
    }

    /**
     * @param nodeId a node known from the metadata
     * @return how long requests have waited on the open connection to the node with no answer at all, in ms
     *         (0 when none waits or there is no open connection)
     */
    public long waitingMs(final int nodeId) {
        final NodeEndpoint node = metadata.node(nodeId);
        return node == null ? 0 : waitingMs(connections.get(address(node)));
    }

    private static long waitingMs(final CompletableFuture<FerryConnection> c) {
        if (!isOpen(c)) {
            return 0;
        }
        final long since = c.join().waitingSince();
        return since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000;
    }

    /**
     * Sends to the first node that answers: known nodes first, then the bootstrap addresses.
     *
     * @param key the API
     * @param body the request body
     * @param timeoutMs how long to wait for each node
     * @return the response of the first node that answered
     */
    public CompletableFuture<ClientResponse> sendToAny(final ApiKey key, final MessageLite body,
                                                       final long timeoutMs) {
        final Set<String> addresses = new LinkedHashSet<>();
        metadata.nodes().values().forEach(n -> addresses.add(address(n)));
        addresses.addAll(bootstrap);
        return tryEach(byLiveness(addresses), 0, key, body, timeoutMs, null);
    }

    /**
     * Nodes with an open connection that answers first, then those not tried yet, then open connections whose
     * requests have waited over {@link #STALLED_MS} without an answer, and those whose last connect failed last:
     * a dead node's connect takes the whole connect timeout, a request to a machine that died without closing its
     * connections the whole request timeout, and after a leader's machine dies it is the one node every client
     * knows, so asking it first would delay every metadata refresh by that timeout.
     */
    private List<String> byLiveness(final Set<String> addresses) {
        final List<String> open = new ArrayList<>();
        final List<String> untried = new ArrayList<>();
        final List<String> stalled = new ArrayList<>();
        final List<String> failed = new ArrayList<>();
        for (final String address : addresses) {
            final CompletableFuture<FerryConnection> c = connections.get(address);
            if (c == null || !c.isDone()) {
                untried.add(address);
            } else if (!isOpen(c)) {
                failed.add(address);
            } else if (waitingMs(c) > STALLED_MS) {
                stalled.add(address);
            } else {
                open.add(address);
            }
        }
        open.addAll(untried);
        open.addAll(stalled);
        open.addAll(failed);
        return open;
    }

    private CompletableFuture<ClientResponse> tryEach(final List<String> addresses, final int i, final ApiKey key,
                                                      final MessageLite body, final long timeoutMs,
                                                      final Throwable last) {
        if (i >= addresses.size()) {
            return CompletableFuture.failedFuture(new NetworkException("no node answered " + key + "; tried "
                + addresses + ": " + last, last, true));
        }
        return send(addresses.get(i), key, body, null, timeoutMs)
            .handle((r, e) -> e == null ? CompletableFuture.completedFuture(r)
                : tryEach(addresses, i + 1, key, body, timeoutMs, e))
            .thenCompose(f -> f);
    }

    private CompletableFuture<ClientResponse> send(final String address, final ApiKey key, final MessageLite body,
                                                   final ByteBuf records, final long timeoutMs) {
        return connection(address).thenCompose(c -> c.send(key, body, records, timeoutMs))
            .whenComplete((r, e) -> {
                if (e != null) {
                    ReferenceCountUtil.release(records);
                }
            })
            .thenApply(r -> {
                if (r.error() != ErrorCode.NONE) {
                    final String message = r.header().getErrorMessage();
                    r.close();
                    throw FerryException.of(r.error(), key + " to " + address + ": " + message);
                }
                return r;
            });
    }

    private static String address(final NodeEndpoint node) {
        return node.getHost() + ":" + node.getPort();
    }

    /** @return true when the connect has completed with a connection that is still open */
    private static boolean isOpen(final CompletableFuture<FerryConnection> connect) {
        return connect != null && connect.isDone() && !connect.isCompletedExceptionally() && connect.join().isOpen();
    }

    private CompletableFuture<FerryConnection> connection(final String address) {
        final CompletableFuture<FerryConnection> existing = connections.get(address);
        if (existing != null && (!existing.isDone() || isOpen(existing))) {
            return existing;
        }
        final int colon = address.lastIndexOf(':');
        // Dependents of the returned future run after the failure is recorded.
        final CompletableFuture<FerryConnection> fresh = network.connect(address.substring(0, colon),
            parsePort(address), config).whenComplete((c, e) -> {
            if (e == null) {
                connectFailedAt.remove(address);
            } else {
                connectFailedAt.put(address, System.nanoTime());
            }
        });
        if (existing == null ? connections.putIfAbsent(address, fresh) != null
            : !connections.replace(address, existing, fresh)) {
            fresh.thenAccept(FerryConnection::close);
            return connections.get(address);
        }
        return fresh;
    }

    /** Closes every connection and the network's threads. */
    @Override
    public void close() {
        connections.values().forEach(f -> f.thenAccept(FerryConnection::close));
        connections.clear();
        network.close();
    }
}
