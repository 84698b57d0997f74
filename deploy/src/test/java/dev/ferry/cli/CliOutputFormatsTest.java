package dev.ferry.cli;

import dev.ferry.client.TopicPartition;
import dev.ferry.client.consumer.ConsumerRecord;
import dev.ferry.log.record.Header;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pieces under the commands' output and argument parsing: record formats, tables, JSON, parsers. */
class CliOutputFormatsTest {
    private static final ConsumerRecord RECORD = new ConsumerRecord("orders", 2, 41, 1_700_000_000_000L,
        bytes("k"), bytes("v \"1\""), List.of(new Header("h1", bytes("a")), new Header("h2", null)));
    private static final ConsumerRecord NO_KEY = new ConsumerRecord("orders", 0, 0, 5L, null, bytes("v"),
        List.of());

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void valueIsTheDefaultFormat() {
        assertThat(RecordFormatter.of("value").format(RECORD)).isEqualTo("v \"1\"\n");
    }

    @Test
    void templateSubstitutesEveryDirective() {
        assertThat(RecordFormatter.of("%t %p %o %k %v %T %h 100%%").format(RECORD))
            .isEqualTo("orders 2 41 k v \"1\" 1700000000000 h1=a,h2= 100%\n");
        assertThat(RecordFormatter.of("%k|%v\\t%h\\n").format(NO_KEY)).isEqualTo("|v\t\n");
        assertThat(RecordFormatter.of("%v\\n\\n").format(NO_KEY)).isEqualTo("v\n\n");
    }

    @Test
    void jsonIsOneObjectPerLine() {
        assertThat(RecordFormatter.of("json").format(RECORD)).isEqualTo("{\"topic\":\"orders\",\"partition\":2,"
            + "\"offset\":41,\"timestamp\":1700000000000,\"key\":\"k\",\"value\":\"v \\\"1\\\"\",\"headers\":"
            + "[{\"key\":\"h1\",\"value\":\"a\"},{\"key\":\"h2\",\"value\":null}]}\n");
        assertThat(RecordFormatter.of("json").format(NO_KEY)).contains("\"key\":null,");
    }

    @Test
    void unknownDirectivesAndEscapesAreUsageErrors() {
        assertThatThrownBy(() -> RecordFormatter.of("%q")).isInstanceOf(UsageException.class)
            .hasMessageStartingWith("--format: unknown directive %q");
        assertThatThrownBy(() -> RecordFormatter.of("\\x")).isInstanceOf(UsageException.class)
            .hasMessageStartingWith("--format: unknown escape \\x");
        assertThatThrownBy(() -> RecordFormatter.of("%v %")).isInstanceOf(UsageException.class)
            .hasMessageContaining("ends with a lone %");
    }

    @Test
    void tableAlignsColumnsToTheWidestCell() {
        final StringWriter out = new StringWriter();
        new Table("A", "LONG-HEADER", "C").row("wide-cell", 1, null).row("x", 22, "z").print(new PrintWriter(out));

        assertThat(out.toString()).isEqualTo("A          LONG-HEADER  C\nwide-cell  1            -\n"
            + "x          22           z\n");
        assertThatThrownBy(() -> new Table("A").row(1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void jsonWritesNestedValuesAndEscapes() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001");
        m.put("n", 3);
        m.put("b", true);
        m.put("null", null);
        m.put("list", new ArrayList<>(Arrays.asList(1, "two", null)));
        m.put("empty", Map.of());

        assertThat(Json.write(m)).isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":3,\"b\":true,\"null\":null,"
            + "\"list\":[1,\"two\",null],\"empty\":{}}");
    }

    @Test
    void argumentsParseOrNameTheProblem() {
        assertThat(Arguments.topicPartition("orders/3")).isEqualTo(new TopicPartition("orders", 3));
        assertThatThrownBy(() -> Arguments.topicPartition("orders")).isInstanceOf(UsageException.class)
            .hasMessage("'orders' is not TOPIC/PARTITION (e.g. orders/0)");
        assertThatThrownBy(() -> Arguments.topicPartition("orders/x")).isInstanceOf(UsageException.class)
            .hasMessage("partition must be a number >= 0, not 'x'");

        assertThat(Arguments.nodeIds("--replicas", "3,1, 2")).containsExactly(3, 1, 2);
        assertThatThrownBy(() -> Arguments.nodeIds("--replicas", ",")).isInstanceOf(UsageException.class);

        assertThat(Arguments.timestampMs("--t", "1700000000000")).isEqualTo(1_700_000_000_000L);
        assertThat(Arguments.timestampMs("--t", "2023-11-14T22:13:20Z")).isEqualTo(1_700_000_000_000L);
        assertThat(Arguments.timestampMs("--t", "2023-11-14T23:13:20+01:00")).isEqualTo(1_700_000_000_000L);
        assertThat(Arguments.timestampMs("--t", "1970-01-02")).isEqualTo(86_400_000L);
        assertThatThrownBy(() -> Arguments.timestampMs("--t", "soon")).isInstanceOf(UsageException.class)
            .hasMessageStartingWith("--t 'soon' is neither milliseconds since the epoch nor ISO-8601");

        assertThat(Arguments.durationMs("--timeout", "250ms")).isEqualTo(250);
        assertThat(Arguments.durationMs("--timeout", "3s")).isEqualTo(3_000);
        assertThat(Arguments.durationMs("--timeout", "2m")).isEqualTo(120_000);
        assertThat(Arguments.durationMs("--timeout", "40")).isEqualTo(40);
        assertThatThrownBy(() -> Arguments.durationMs("--timeout", "0s")).isInstanceOf(UsageException.class);
    }

    @Test
    void failureLinesLoseJavaClassNames() {
        assertThat(FerryCli.oneLine("call failed: java.util.concurrent.CompletionException: "
            + "dev.ferry.client.network.NetworkException: cannot connect: io.netty.channel."
            + "AbstractChannel$AnnotatedConnectException: Connection refused\nmore"))
            .isEqualTo("call failed: cannot connect: Connection refused more");
    }
}
