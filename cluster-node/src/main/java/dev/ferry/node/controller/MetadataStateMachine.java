package dev.ferry.node.controller;

import dev.ferry.node.controller.proto.ControllerReply;
import dev.ferry.node.controller.proto.ControllerRequest;
import dev.ferry.node.controller.proto.MetadataBatch;
import dev.ferry.node.controller.proto.MetadataSnapshot;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The Ratis state machine of the metadata group: applies each committed {@link MetadataBatch} to the
 * {@link MetadataImage} and publishes the new image (volatile field, then listeners).
 *
 * <p>The records stay in the Raft log (the metadata log is small); a snapshot is the whole image in one file
 * (temp, fsync, atomic rename, MD5 beside it, so Ratis can ship it to a follower behind the purge point) and is
 * loaded at start, the log's tail replayed over it. Read-only queries are controller requests and go to the
 * {@link ActiveController} (Ratis answers them on the leader only). Ratis calls {@code applyTransaction} from one
 * thread; the image and the applied index change together under this object's lock so a snapshot never pairs an
 * image with another index.
 */
public final class MetadataStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);

    private final String nodeId;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.EMPTY;
    private volatile ActiveController controller;
    private volatile int leaderId = -1;

    /**
     * @param nodeId this node, for logs
     */
    public MetadataStateMachine(final int nodeId) {
        this.nodeId = Integer.toString(nodeId);
    }

    void setController(final ActiveController controller) {
        this.controller = controller;
    }

    /** @return the latest applied image */
    public MetadataImage image() {
        return image;
    }

    /** @return the metadata group's leader as this voter knows it, -1 when none */
    public int leaderId() {
        return leaderId;
    }

    /**
     * @param listener told of every new image, on the apply thread; must not block
     */
    public void addListener(final Consumer<MetadataImage> listener) {
        listeners.add(listener);
    }

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage raftStorage)
        throws IOException {
        super.initialize(server, groupId, raftStorage);
        // Ratis pauses the state machine around a snapshot installation and checks the life cycle.
        getLifeCycle().startAndTransition(() -> {
            storage.init(raftStorage);
            loadSnapshot();
        }, IOException.class);
    }

    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException {
        // After Ratis installed a snapshot from the leader: the image is the snapshot's.
        loadSnapshot();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void loadSnapshot() throws IOException {
        final SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        final MetadataSnapshot s;
        try {
            s = MetadataSnapshot.parseFrom(Files.readAllBytes(snapshot.getFile().getPath()));
        } catch (final com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IOException("corrupt metadata snapshot file=" + snapshot.getFile().getPath() + ": "
                + e.getMessage(), e);
        }
        final MetadataImage loaded = MetadataImage.fromSnapshot(s);
        synchronized (this) {
            image = loaded;
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        LOG.info("node={} metadata snapshot loaded: {} at {}", nodeId, loaded, snapshot.getTermIndex());
        publish(loaded);
    }

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx) {
        final LogEntryProto entry = trx.getLogEntry();
        final MetadataBatch batch;
        try {
            batch = MetadataBatch.parseFrom(entry.getStateMachineLogEntry().getLogData().toByteArray());
        } catch (final com.google.protobuf.InvalidProtocolBufferException e) {
            // Only the controller writes; a bad entry is skipped the same way on every voter.
            LOG.error("node={} skipped unreadable metadata entry index={}: {}", nodeId, entry.getIndex(),
                e.getMessage());
            updateApplied(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
        final MetadataImage next;
        synchronized (this) {
            next = image.apply(batch, entry.getIndex());
            image = next;
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        publish(next);
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
            ControllerReply.newBuilder().setEpoch(next.epoch()).build().toByteArray())));
    }

    private synchronized void updateApplied(final long term, final long index) {
        updateLastAppliedTermIndex(term, index);
    }

    @Override
    public void notifyTermIndexUpdated(final long term, final long index) {
        updateApplied(term, index);
    }

    private void publish(final MetadataImage next) {
        for (final Consumer<MetadataImage> l : listeners) {
            try {
                l.accept(next);
            } catch (final RuntimeException e) {
                LOG.warn("node={} metadata listener failed at epoch={}: {}", nodeId, next.epoch(), e.toString());
            }
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        final MetadataImage snap;
        final TermIndex applied;
        synchronized (this) {
            snap = image;
            applied = getLastAppliedTermIndex();
        }
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        final File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        final File tmp = new File(file.getPath() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp.toPath())) {
            snap.toSnapshot().writeTo(out);
        }
        try (FileChannel ch = FileChannel.open(tmp.toPath(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        final MD5Hash md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), applied));
        LOG.info("node={} metadata snapshot taken at {}: {}", nodeId, applied, snap);
        return applied.getIndex();
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return storage.getLatestSnapshot();
    }

    @Override
    public CompletableFuture<Message> query(final Message request) {
        final ActiveController c = controller;
        final ControllerRequest parsed;
        try {
            parsed = ControllerRequest.parseFrom(request.getContent().toByteArray());
        } catch (final com.google.protobuf.InvalidProtocolBufferException e) {
            return CompletableFuture.completedFuture(reply(ControllerReply.newBuilder()
                .setError(dev.ferry.client.protocol.proto.ErrorCode.MALFORMED_REQUEST_VALUE)
                .setMessage("unreadable controller request: " + e.getMessage()).build()));
        }
        if (c == null) {
            return CompletableFuture.completedFuture(reply(ControllerReply.newBuilder()
                .setError(dev.ferry.client.protocol.proto.ErrorCode.CONTROLLER_NOT_AVAILABLE_VALUE)
                .setMessage("controller on node " + nodeId + " is starting").build()));
        }
        return c.handle(parsed).thenApply(MetadataStateMachine::reply);
    }

    private static Message reply(final ControllerReply r) {
        return Message.valueOf(ByteString.copyFrom(r.toByteArray()));
    }

    @Override
    public void notifyLeaderChanged(final RaftGroupMemberId groupMemberId, final RaftPeerId newLeaderId) {
        leaderId = newLeaderId == null ? -1 : Integer.parseInt(newLeaderId.toString());
        LOG.info("node={} metadata leader is now {}", nodeId, newLeaderId);
        final ActiveController c = controller;
        if (c != null && (newLeaderId == null || !newLeaderId.equals(groupMemberId.getPeerId()))) {
            c.onLeadershipLost();
        }
    }

    @Override
    public void notifyLeaderReady() {
        LOG.info("node={} is the active controller at epoch={}", nodeId, image.epoch());
        final ActiveController c = controller;
        if (c != null) {
            c.onLeaderReady();
        }
    }
}
