package dev.ferry.node.server;

import dev.ferry.log.ConfigException;
import dev.ferry.log.LogConfig;
import dev.ferry.replication.Durability;
import dev.ferry.replication.RaftTuning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeConfigTest {
    private static final Map<String, String> REQUIRED = Map.of(
        "node.id", "1",
        "data.dir", "/var/lib/ferry",
        "controller.voters", "1@127.0.0.1:9094");

    @TempDir
    Path tmp;

    private static NodeConfig with(final String key, final String value) {
        final Map<String, String> m = new HashMap<>(REQUIRED);
        m.put(key, value);
        return NodeConfig.from(m);
    }

    private Path file(final String... lines) throws IOException {
        return Files.writeString(tmp.resolve("ferry.properties"), String.join("\n", lines) + "\n",
            StandardCharsets.UTF_8);
    }

    @Test
    void shouldApplyDocumentedDefaultsWhenOnlyRequiredKeysAreSet() {
        final NodeConfig c = NodeConfig.from(REQUIRED);
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.peerId()).isEqualTo("1");
        assertThat(c.rack()).isEmpty();
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/ferry"));
        assertThat(c.listenerHost()).isEqualTo("0.0.0.0");
        assertThat(c.listenerPort()).isEqualTo(9092);
        assertThat(c.advertisedHost()).isEqualTo("127.0.0.1");
        assertThat(c.raftPort()).isEqualTo(9093);
        assertThat(c.raftAddress()).isEqualTo("127.0.0.1:9093");
        assertThat(c.controllerPort()).isEqualTo(9094);
        assertThat(c.metricsPort()).isEqualTo(9644);
        assertThat(c.durability()).isEqualTo(Durability.REPLICATED);
        assertThat(c.socketMaxFrameBytes()).isEqualTo(104_857_600);
        assertThat(c.maxInflightRequestsPerConnection()).isEqualTo(16);
        assertThat(c.connectionsMaxIdleMs()).isEqualTo(600_000L);
        assertThat(c.maxConnections()).isEqualTo(10_000);
        assertThat(c.networkIoThreads()).isEqualTo(2 * Runtime.getRuntime().availableProcessors());
        assertThat(c.raftTuning()).isEqualTo(new RaftTuning(750, 1500, 1 << 20, 10_000,
            RaftTuning.DEFAULTS.raftLogSegmentBytes()));
        assertThat(c.raftTuning()).isEqualTo(RaftTuning.DEFAULTS);
        assertThat(c.numPartitions()).isEqualTo(3);
        assertThat(c.defaultReplicationFactor()).isEqualTo(3);
        assertThat(c.offsetsTopicNumPartitions()).isEqualTo(8);
        assertThat(c.offsetsTopicReplicationFactor()).isEqualTo(3);
        assertThat(c.nodeHeartbeatIntervalMs()).isEqualTo(500);
        assertThat(c.nodeSessionTimeoutMs()).isEqualTo(6000);
        assertThat(c.groupConsumerSessionTimeoutMs()).isEqualTo(45_000);
        assertThat(c.groupConsumerHeartbeatIntervalMs()).isEqualTo(3000);
        assertThat(c.shutdownLeadershipTransferTimeoutMs()).isEqualTo(10_000L);
        assertThat(c.logConfig().values()).isEqualTo(LogConfig.DEFAULTS.values());
        assertThat(c.isVoter()).isTrue();
    }

    @Test
    void shouldListEveryLogConfigKeyUnderTheLogPrefix() {
        for (final LogConfig.Key k : LogConfig.keys()) {
            assertThat(NodeConfig.keys()).extracting(ConfigKey::name).contains("log." + k.name());
        }
        assertThat(with("log.segment.bytes", "4096").logConfig().segmentBytes()).isEqualTo(4096);
        assertThat(with("log.retention.ms", "-1").logConfig().retentionMs()).isEqualTo(-1L);
    }

    @Test
    void shouldSizeRaftEntriesToTheLargestBatch() {
        final Map<String, String> m = new HashMap<>(REQUIRED);
        m.put("log.max.batch.bytes", Integer.toString(4 << 20));
        m.put("raft.election.timeout.min.ms", "300");
        m.put("raft.election.timeout.max.ms", "600");
        m.put("raft.snapshot.entries", "50");
        final NodeConfig c = NodeConfig.from(m);
        assertThat(c.logConfig().maxBatchBytes()).isEqualTo(4 << 20);
        assertThat(c.raftTuning().maxEntryBytes()).isEqualTo(4 << 20);
        assertThat(c.raftTuning().electionTimeoutMinMs()).isEqualTo(300);
        assertThat(c.raftTuning().electionTimeoutMaxMs()).isEqualTo(600);
        assertThat(c.raftTuning().snapshotEntries()).isEqualTo(50L);
        assertThat(with("log.max.batch.bytes", "1024").raftTuning().maxEntryBytes()).isEqualTo(64 << 10);
    }

    @Test
    void shouldAdvertiseTheListenerHostUnlessItIsTheWildcard() {
        assertThat(with("listener.host", "10.0.0.7").advertisedHost()).isEqualTo("10.0.0.7");
        assertThat(with("listener.host", "::").advertisedHost()).isEqualTo("127.0.0.1");
        final Map<String, String> m = new HashMap<>(REQUIRED);
        m.put("listener.host", "0.0.0.0");
        m.put("advertised.host", "ferry-1.example");
        assertThat(NodeConfig.from(m).advertisedHost()).isEqualTo("ferry-1.example");
    }

    @Test
    void shouldReadTheFileAndLetTheEnvironmentOverrideIt() throws IOException {
        final Path f = file("# a dev node", "node.id=1", "data.dir=" + tmp.resolve("data"),
            "controller.voters=1@127.0.0.1:9094", "listener.port=19092", "num.partitions=6", "durability=fsync");
        final NodeConfig fromFile = NodeConfig.load(f, Map.of());
        assertThat(fromFile.listenerPort()).isEqualTo(19092);
        assertThat(fromFile.numPartitions()).isEqualTo(6);
        assertThat(fromFile.durability()).isEqualTo(Durability.FSYNC);
        assertThat(fromFile.dataDir()).isEqualTo(tmp.resolve("data"));

        final NodeConfig withEnv = NodeConfig.load(f, Map.of(
            "FERRY_LISTENER_PORT", "29092",
            "FERRY_LOG_SEGMENT_BYTES", "8192",
            "FERRY_MAX_INFLIGHT_REQUESTS_PER_CONNECTION", "4",
            "FERRY_NOT_A_KEY", "ignored",
            "PATH", "/usr/bin"));
        assertThat(withEnv.listenerPort()).as("env wins over the file").isEqualTo(29092);
        assertThat(withEnv.numPartitions()).as("file value kept").isEqualTo(6);
        assertThat(withEnv.logConfig().segmentBytes()).isEqualTo(8192);
        assertThat(withEnv.maxInflightRequestsPerConnection()).isEqualTo(4);
    }

    @Test
    void shouldLetOverridesWinOverEnvironmentAndEnvironmentOverFile() throws IOException {
        final Path f = file("node.id=1", "data.dir=/d", "controller.voters=1@h1:9094,2@h2:9094,3@h3:9094",
            "num.partitions=2", "default.replication.factor=1", "offsets.topic.num.partitions=4");
        final NodeConfig c = NodeConfig.load(f,
            Map.of("FERRY_NUM_PARTITIONS", "5", "FERRY_DEFAULT_REPLICATION_FACTOR", "2"),
            Map.of("num.partitions", "7"));
        assertThat(c.numPartitions()).isEqualTo(7);
        assertThat(c.defaultReplicationFactor()).isEqualTo(2);
        assertThat(c.offsetsTopicNumPartitions()).isEqualTo(4);
    }

    @Test
    void shouldTakeEveryKeyFromTheEnvironmentAlone() {
        final NodeConfig c = NodeConfig.load(null, Map.of("FERRY_NODE_ID", "2", "FERRY_DATA_DIR", "/data",
            "FERRY_CONTROLLER_VOTERS", "1@a:9094,2@b:9094,3@c:9094", "FERRY_NODE_RACK", "us-east-1a"));
        assertThat(c.nodeId()).isEqualTo(2);
        assertThat(c.rack()).isEqualTo("us-east-1a");
        assertThat(c.isVoter()).isTrue();
        assertThat(NodeConfig.keys()).allSatisfy(k ->
            assertThat(k.envVar()).isEqualTo("FERRY_" + k.name().toUpperCase(Locale.ROOT)
                .replace('.', '_')));
    }

    @Test
    void shouldRejectAnUnknownKeyInTheFileNamingIt() throws IOException {
        final Path f = file("node.id=1", "data.dir=/d", "controller.voters=1@h:9094", "listener.prot=9092");
        assertThatThrownBy(() -> NodeConfig.load(f, Map.of()))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("unknown config key=listener.prot")
            .hasMessageContaining(f.toString())
            .hasMessageContaining("listener.port");
        assertThatThrownBy(() -> with("segment.bytes", "1"))
            .isInstanceOf(ConfigException.class).hasMessageContaining("unknown config key=segment.bytes");
    }

    @Test
    void shouldNameWhereABadValueWasSet() throws IOException {
        final Path f = file("node.id=1", "data.dir=/d", "controller.voters=1@h:9094", "num.partitions=zero");
        assertThatThrownBy(() -> NodeConfig.load(f, Map.of()))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("invalid value for num.partitions: value=\"zero\"")
            .hasMessageContaining("(set in file " + f + ")");
        assertThatThrownBy(() -> NodeConfig.load(null, Map.of("FERRY_NODE_ID", "1", "FERRY_DATA_DIR", "/d",
            "FERRY_CONTROLLER_VOTERS", "1@h:9094", "FERRY_DURABILITY", "always")))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("invalid value for durability: value=\"always\"")
            .hasMessageContaining("(set in environment variable FERRY_DURABILITY)");
        assertThat(NodeConfig.from(Map.of("node.id", "1", "data.dir", "/d", "controller.voters", "1@h:9094",
            "durability", "FSYNC")).describe()).containsEntry("durability", "fsync");
    }

    @Test
    void shouldNameTheFileItCannotRead() {
        final Path missing = tmp.resolve("missing.properties");
        assertThatThrownBy(() -> NodeConfig.load(missing, Map.of()))
            .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file=" + missing);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "node.id|-1|out of range",
        "node.id|one|not an integer",
        "listener.port|65536|out of range",
        "listener.port|80a|not an integer",
        "raft.port|0|out of range",
        "metrics.port|-5|out of range",
        "durability|sync|not one of: replicated, fsync",
        "listener.host|'  '|empty",
        "advertised.host|my host|whitespace",
        "node.rack|rack 1|whitespace",
        "max.connections|0|out of range",
        "network.io.threads|0|out of range",
        "connections.max.idle.ms|10|out of range",
        "raft.election.timeout.min.ms|10|out of range",
        "default.replication.factor|6|out of range",
        "socket.max.frame.bytes|99999999999|out of range",
        "log.segment.bytes|12|out of range",
        "log.retention.ms|forever|not an integer",
        "controller.voters|1@h:9094,2@h2:9094|a list of 2 voters",
        "controller.voters|1@h:9094,1@h2:9094,3@h3:9094|listing node id 1 twice",
        "controller.voters|1@h:9094,2@h:9094,3@h3:9094|listing address h:9094 twice",
        "controller.voters|1-h:9094|malformed",
        "controller.voters|1@h|malformed",
        "controller.voters|x@h:9094|id and port are integers",
        "controller.voters|1@h:0|port must be in [1, 65535]",
        "controller.voters|''|malformed",
    })
    void shouldRejectABadValueNamingKeyValueAndWhatIsAllowed(final String key, final String value,
                                                              final String why) {
        assertThatThrownBy(() -> with(key, value))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("invalid value for " + key + ":")
            .hasMessageContaining("value=\"" + value + "\"")
            .hasMessageContaining(why);
    }

    @Test
    void shouldNameAMissingRequiredKey() {
        for (final String key : REQUIRED.keySet()) {
            final Map<String, String> m = new HashMap<>(REQUIRED);
            m.remove(key);
            assertThatThrownBy(() -> NodeConfig.from(m))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("missing required config key=" + key)
                .hasMessageContaining(ConfigKey.envVar(key));
        }
    }

    @Test
    void shouldRejectInconsistentKeysNamingBoth() {
        final Map<String, String> m = new HashMap<>(REQUIRED);
        m.put("raft.election.timeout.min.ms", "2000");
        assertThatThrownBy(() -> NodeConfig.from(m)).isInstanceOf(ConfigException.class)
            .hasMessageContaining("raft.election.timeout.min.ms").hasMessageContaining("raft.election.timeout.max.ms");
        assertThatThrownBy(() -> with("node.heartbeat.interval.ms", "6000")).isInstanceOf(ConfigException.class)
            .hasMessageContaining("node.heartbeat.interval.ms").hasMessageContaining("node.session.timeout.ms");
        assertThatThrownBy(() -> with("group.consumer.session.timeout.ms", "3000"))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("group.consumer.heartbeat.interval.ms")
            .hasMessageContaining("group.consumer.session.timeout.ms=3000");
        assertThatThrownBy(() -> with("controller.port", "9999")).isInstanceOf(ConfigException.class)
            .hasMessageContaining("controller.port").hasMessageContaining("1@127.0.0.1:9094");
        assertThatThrownBy(() -> with("metrics.port", "9092")).isInstanceOf(ConfigException.class)
            .hasMessageContaining("metrics.port").hasMessageContaining("listener.port");
        assertThatThrownBy(() -> with("socket.max.frame.bytes", "1048576")).isInstanceOf(ConfigException.class)
            .hasMessageContaining("socket.max.frame.bytes").hasMessageContaining("log.max.batch.bytes");
    }

    @Test
    void shouldParseVotersAndTellWhetherThisNodeIsOne() {
        final Map<String, String> m = new HashMap<>(REQUIRED);
        m.put("controller.voters", " 1@ferry-1:9094, 2@10.0.0.2:19094 ,3@[::1]:9094");
        final NodeConfig c = NodeConfig.from(m);
        assertThat(c.voters()).containsExactly(new ControllerVoter(1, "ferry-1", 9094),
            new ControllerVoter(2, "10.0.0.2", 19094), new ControllerVoter(3, "::1", 9094));
        assertThat(c.voters().get(2).address()).isEqualTo("[::1]:9094");
        assertThat(c.voters().get(1).peerId()).isEqualTo("2");
        assertThat(c.isVoter()).isTrue();

        m.put("node.id", "4");
        final NodeConfig observer = NodeConfig.from(m);
        assertThat(observer.isVoter()).isFalse();
        assertThat(observer.voters()).hasSize(3);

        final String five = "1@a:9094,2@b:9094,3@c:9094,4@d:9094,5@e:9094";
        m.put("controller.voters", five);
        assertThat(NodeConfig.from(m).voters()).extracting(ControllerVoter::id).containsExactly(1, 2, 3, 4, 5);
        assertThat(NodeConfig.from(m).describe()).containsEntry("controller.voters", five);
    }

    @Test
    void shouldDescribeEveryKeyWithItsType() {
        final List<ConfigKey> keys = NodeConfig.keys();
        assertThat(keys).extracting(ConfigKey::name).doesNotHaveDuplicates().startsWith("node.id");
        assertThat(keys).allSatisfy(k -> {
            assertThat(k.type()).isNotBlank();
            assertThat(k.allowed()).isNotBlank();
            assertThat(k.doc()).isNotBlank();
            assertThat(k.documentedDefault()).isNotNull();
        });
        assertThat(NodeConfig.from(REQUIRED).describe().keySet()).containsExactlyElementsOf(
            keys.stream().map(ConfigKey::name).toList());
    }
}
