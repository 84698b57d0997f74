package dev.ferry.bench;

import java.util.Arrays;

/**
 * Entry point of {@code ferry-benchmarks.jar}: dispatches to a tool by name.
 *
 * <p>Not thread-safe (a main).
 */
public final class BenchMain {
    private BenchMain() {
    }

    /**
     * @param args the tool's name, then its arguments
     * @throws Exception when the tool fails
     */
    public static void main(final String[] args) throws Exception {
        final String tool = args.length == 0 ? "" : args[0];
        final String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        switch (tool) {
            case "demo":
                ClusterDemo.main(rest);
                break;
            case "log-demo":
                LogDemo.main(rest);
                break;
            case "log-perf":
                LogPerf.main(rest);
                break;
            case "replication-perf":
                ReplicationPerf.main(rest);
                break;
            case "raft-groups":
                RaftGroupsPerf.main(rest);
                break;
            default:
                System.err.println("usage: java -jar ferry-benchmarks.jar"
                    + " demo|log-demo|log-perf|replication-perf|raft-groups"
                    + " [options]\n"
                    + "  demo              a 3-node cluster on 127.0.0.1: topic, produce with acks=all, read back from"
                    + " followers\n"
                    + "  log-demo          append and read back a million records through a partition log\n"
                    + "  log-perf          append throughput vs dd, and zero-copy read throughput to a socket\n"
                    + "  replication-perf  core-log alone vs 3 Raft replicas (REPLICATED, FSYNC): throughput,"
                    + " ack latency, disk bytes per byte\n"
                    + "  raft-groups       per-group cost of Raft groups in one server: start-up, threads,"
                    + " heap, direct memory, idle CPU, RSS");
                System.exit(tool.isEmpty() || "help".equals(tool) ? 0 : 2);
        }
    }
}
