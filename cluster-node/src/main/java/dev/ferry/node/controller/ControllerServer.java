package dev.ferry.node.controller;

import dev.ferry.client.protocol.proto.ErrorCode;
import dev.ferry.node.controller.proto.ControllerReply;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.replication.RaftGroupStorage;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metadata controller of a voter node: its own Ratis server (its own port, from {@code controller.voters},
 * and storage under {@code dataDir/controller}) hosting the one metadata group. While this voter leads the group
 * it is the active controller ({@link ActiveController}); other nodes reach it through {@link ControllerClient}.
 * A restart reloads the latest snapshot and replays the log after it.
 *
 * <p>Start it on voter nodes only, before the node's {@link NodeLifecycle}. Thread-safe.
 */
public final class ControllerServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerServer.class);

    private final ControllerConfig config;
    private final MetadataStateMachine stateMachine;
    private final ActiveController controller;
    private final RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    /**
     * Starts the controller's Raft server.
     *
     * @param config the controller settings; this node must be one of the voters
     * @throws IOException when the server cannot start
     * @throws IllegalArgumentException when this node is not a voter
     */
    public ControllerServer(final ControllerConfig config) throws IOException {
        if (!config.isVoter()) {
            throw new IllegalArgumentException("node " + config.nodeId() + " is not in controller.voters="
                + config.voters().keySet() + "; only voters run a controller server");
        }
        this.config = config;
        this.stateMachine = new MetadataStateMachine(config.nodeId());
        this.controller = new ActiveController(config, stateMachine, this::write);
        stateMachine.setController(controller);
        final Path groupDir = config.controllerDir().resolve(MetadataQuorum.GROUP_ID.getUuid().toString());
        final String problem = Files.isDirectory(groupDir) ? RaftGroupStorage.metadataProblem(groupDir) : null;
        if (problem != null) {
            // The voter's term and vote are lost (a full disk, see RaftGroupStorage): it starts again empty, as a
            // new member of the same group, and the other voters' majority catches it up with a snapshot.
            final Path aside = RaftGroupStorage.setAside(groupDir);
            LOG.error("node={} metadata group cannot start: {}; moved aside to {}; the controller starts empty and "
                + "catches up from the other voters", config.nodeId(), problem, aside);
        }
        final boolean exists = Files.isDirectory(groupDir);
        Files.createDirectories(config.controllerDir());
        RaftServer s = null;
        try {
            s = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(Integer.toString(config.nodeId())))
                .setGroup(MetadataQuorum.group(config.voters()))
                .setProperties(MetadataQuorum.serverProperties(config))
                .setParameters(new Parameters())
                .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .setStateMachine(stateMachine)
                .build();
            s.start();
        } catch (final IOException | RuntimeException e) {
            controller.close();
            if (s != null) {
                s.close();
            }
            throw e;
        }
        this.server = s;
        LOG.info("node={} controller started on {} voters={} recovered={}", config.nodeId(),
            config.voters().get(config.nodeId()), config.voters(), exists);
    }

    /** Writes one entry through this server (it must lead the group) and returns its applied epoch. */
    private CompletableFuture<Long> write(final MetadataBatch batch) {
        final RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId)
            .setServerId(server.getId()).setGroupId(MetadataQuorum.GROUP_ID).setCallId(callIds.incrementAndGet())
            .setMessage(Message.valueOf(ByteString.copyFrom(batch.toByteArray())))
            .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(request).thenApply(reply -> {
                if (!reply.isSuccess()) {
                    throw new ControllerException(ErrorCode.NOT_CONTROLLER, "metadata write refused on node "
                        + config.nodeId() + ": " + reply.getException());
                }
                try {
                    return ControllerReply.parseFrom(reply.getMessage().getContent().toByteArray()).getEpoch();
                } catch (final com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new ControllerException(ErrorCode.UNKNOWN_SERVER_ERROR, "unreadable apply result", e);
                }
            });
        } catch (final IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** @return this voter's copy of the metadata (as applied here; followers may lag a little) */
    public MetadataImage image() {
        return stateMachine.image();
    }

    /** @return the state machine, to listen for images applied on this voter */
    public MetadataStateMachine stateMachine() {
        return stateMachine;
    }

    /** @return true while this voter is the active controller */
    public boolean isActive() {
        return controller.isActive();
    }

    /** @return the config */
    public ControllerConfig config() {
        return config;
    }

    /**
     * Takes a snapshot of the image now, whenever at least one entry was applied since the last one (normally
     * automatic every {@code snapshotEntries} entries).
     *
     * @return the Raft index of the snapshot
     * @throws IOException when Ratis refuses
     */
    public long snapshot() throws IOException {
        final var reply = server.snapshotManagement(org.apache.ratis.protocol.SnapshotManagementRequest.newCreate(
            clientId, server.getId(), MetadataQuorum.GROUP_ID, callIds.incrementAndGet(), 30_000, 1));
        if (!reply.isSuccess()) {
            throw new IOException("metadata snapshot on node " + config.nodeId() + " failed: "
                + reply.getException());
        }
        return reply.getLogIndex();
    }

    @Override
    public void close() throws IOException {
        controller.close();
        server.close();
        LOG.info("node={} controller stopped", config.nodeId());
    }
}
