package dev.ferry.replication;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/** Base of the tests that run a {@link MiniFerryRaftCluster}: a fresh directory, and the cluster closed after. */
abstract class RaftClusterTest {
    @TempDir
    Path tmp;

    MiniFerryRaftCluster cluster;

    @AfterEach
    void closeCluster() throws IOException {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}
