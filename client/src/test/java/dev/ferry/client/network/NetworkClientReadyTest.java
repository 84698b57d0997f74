package dev.ferry.client.network;

import dev.ferry.client.protocol.proto.MetadataResponse;
import dev.ferry.client.protocol.proto.NodeEndpoint;
import dev.ferry.client.protocol.proto.RequestHeader;
import dev.ferry.client.protocol.proto.ResponseHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link NetworkClient#ready}: a sender asks whether a node's connection is open and never waits for a connect.
 * Node 1 is a black hole (a listener whose accept queue is full, so SYNs are dropped as to a dead machine), node 2
 * a peer that answers, node 3 a closed port.
 */
class NetworkClientReadyTest {
    private static final long CONNECT_TIMEOUT_MS = 1_500;

    private ServerSocket peer;
    private ServerSocket blackHole;
    private final List<Socket> queueFillers = new ArrayList<>();
    private int closedPort;
    private Thread peerThread;
    private NetworkClient client;

    @BeforeEach
    void setUp() throws Exception {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        blackHole = new ServerSocket(0, 1, loopback);
        fillAcceptQueue(blackHole);
        try (ServerSocket s = new ServerSocket(0, 1, loopback)) {
            closedPort = s.getLocalPort();
        }
        peer = new ServerSocket(0, 50, loopback);
        final MetadataResponse metadata = MetadataResponse.newBuilder()
            .addNodes(node(1, blackHole.getLocalPort())).addNodes(node(2, peer.getLocalPort()))
            .addNodes(node(3, closedPort)).build();
        peerThread = new Thread(() -> answerMetadata(metadata), "metadata-peer");
        peerThread.setDaemon(true);
        peerThread.start();
        client = new NetworkClient(List.of("127.0.0.1:" + peer.getLocalPort()),
            new ConnectionConfig("ready-test", CONNECT_TIMEOUT_MS, 1 << 20), 1);
        client.refreshMetadata(List.of(), 10_000).get(10, TimeUnit.SECONDS);
        assertThat(client.metadata().nodes()).containsKeys(1, 2, 3);
    }

    private static NodeEndpoint node(final int id, final int port) {
        return NodeEndpoint.newBuilder().setNodeId(id).setHost("127.0.0.1").setPort(port).build();
    }

    /** Connects until one connect times out: from then on the kernel drops this listener's SYNs. */
    private void fillAcceptQueue(final ServerSocket listener) throws IOException {
        for (int i = 0; i < 16; i++) {
            final Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), 300);
                queueFillers.add(s);
            } catch (final SocketTimeoutException full) {
                s.close();
                return;
            }
        }
        throw new IllegalStateException("the accept queue never filled up");
    }

    private void answerMetadata(final MetadataResponse metadata) {
        try (Socket s = peer.accept()) {
            final DataInputStream in = new DataInputStream(s.getInputStream());
            final DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (true) {
                final int frameLength = in.readInt();
                final byte[] header = new byte[in.readInt()];
                in.readFully(header);
                in.readFully(new byte[frameLength - 4 - header.length]);
                final byte[] answerHeader = ResponseHeader.newBuilder()
                    .setCorrelationId(RequestHeader.parseFrom(header).getCorrelationId()).build().toByteArray();
                final byte[] body = metadata.toByteArray();
                out.writeInt(8 + answerHeader.length + body.length);
                out.writeInt(answerHeader.length);
                out.write(answerHeader);
                out.writeInt(body.length);
                out.write(body);
                out.flush();
            }
        } catch (final IOException closed) {
            // the test ended
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        client.close();
        peer.close();
        for (final Socket s : queueFillers) {
            s.close();
        }
        blackHole.close();
    }

    @Test
    void shouldAnswerAtOnceWhileAConnectToADeadMachineHangsAndCallBackWhenItEnds() throws Exception {
        final CountDownLatch ended = new CountDownLatch(1);
        final long start = System.nanoTime();

        assertThat(client.ready(1, ended::countDown)).isFalse();
        assertThat(client.ready(1, () -> {
            throw new AssertionError("a second connect was started while one is under way");
        })).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(CONNECT_TIMEOUT_MS);

        assertThat(ended.await(CONNECT_TIMEOUT_MS * 10, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(
            CONNECT_TIMEOUT_MS);
        assertThat(client.ready(1, () -> { })).isFalse();
    }

    @Test
    void shouldBeReadyOverAnOpenConnectionAndNotForAnUnknownNode() {
        // The metadata came over the bootstrap address, which is node 2's: that connection is open.
        assertThat(client.ready(2, () -> { })).isTrue();
        assertThat(client.ready(42, () -> {
            throw new AssertionError("a connect was started to a node the metadata does not know");
        })).isFalse();
    }

    @Test
    void shouldWaitTheReconnectBackoffAfterARefusedConnect() throws Exception {
        final AtomicInteger connectsEnded = new AtomicInteger();

        final AtomicLong refusedAtNanos = new AtomicLong();
        final CountDownLatch refused = new CountDownLatch(1);
        assertThat(client.ready(3, () -> {
            refusedAtNanos.set(System.nanoTime());
            connectsEnded.incrementAndGet();
            refused.countDown();
        })).isFalse();
        assertThat(refused.await(10, TimeUnit.SECONDS)).isTrue();
        final long refusedAt = refusedAtNanos.get();

        // Within the backoff no connect starts, however often the sender asks.
        final AtomicBoolean startedInBackoff = new AtomicBoolean();
        while (System.nanoTime() - refusedAt < TimeUnit.MILLISECONDS.toNanos(NetworkClient.RECONNECT_BACKOFF_MS / 2)) {
            assertThat(client.ready(3, () -> startedInBackoff.set(true))).isFalse();
        }
        // After it, the next ask tries again.
        await().atMost(10, TimeUnit.SECONDS).until(() -> {
            client.ready(3, connectsEnded::incrementAndGet);
            return connectsEnded.get() >= 2;
        });
        assertThat(startedInBackoff).isFalse();
    }
}
