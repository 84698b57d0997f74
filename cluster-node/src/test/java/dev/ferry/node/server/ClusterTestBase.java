package dev.ferry.node.server;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

/** A fresh cluster of {@link #nodes()} real nodes per test, every node joined, and a client for it. */
abstract class ClusterTestBase {
    static final Duration WITHIN = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    LocalCluster cluster;
    TestClient client;

    /** @return how many nodes the test's cluster has */
    abstract int nodes();

    @BeforeEach
    void startCluster() throws Exception {
        cluster = new LocalCluster(dir, nodes(), LocalCluster.fastSettings());
        client = new TestClient(cluster::bootstrap);
        for (int i = 0; i < nodes(); i++) {
            cluster.node(i).awaitJoined(WITHIN);
        }
    }

    @AfterEach
    void stopCluster() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
