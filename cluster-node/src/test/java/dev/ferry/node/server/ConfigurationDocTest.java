package dev.ferry.node.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CONFIGURATION.md is checked against {@link NodeConfig#keys()}: its key table must be exactly the table generated
 * from the definitions, and its example files must load. Run with the environment variable
 * {@code FERRY_DOCS_UPDATE=true} to rewrite the table after changing a key.
 */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("CONFIGURATION.md");
    private static final String BEGIN = "<!-- BEGIN GENERATED KEY TABLE: from NodeConfig.keys(), checked by "
        + "ConfigurationDocTest; regenerate with FERRY_DOCS_UPDATE=true -->";
    private static final String END = "<!-- END GENERATED KEY TABLE -->";
    private static final Pattern EXAMPLE = Pattern.compile("```properties\\n(.*?)```", Pattern.DOTALL);

    static String table() {
        final StringBuilder sb = new StringBuilder();
        sb.append("| key | type | default | accepted | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        for (final ConfigKey k : NodeConfig.keys()) {
            final String dflt = k.defaultValue() != null ? "`" + k.documentedDefault() + "`"
                : "*" + k.documentedDefault() + "*";
            sb.append("| `").append(k.name()).append("` | ").append(k.type()).append(" | ").append(cell(dflt))
                .append(" | ").append(cell(k.allowed())).append(" | ").append(cell(k.doc())).append(" |\n");
        }
        return sb.toString();
    }

    private static String cell(final String s) {
        return s.replace("|", "\\|");
    }

    @Test
    void shouldListEveryKeyWithItsDefaultAsGenerated() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        final int begin = doc.indexOf(BEGIN);
        final int end = doc.indexOf(END);
        assertThat(begin).as("CONFIGURATION.md has the marker " + BEGIN).isNotNegative();
        assertThat(end).as("CONFIGURATION.md has the marker " + END).isGreaterThan(begin);
        final String generated = BEGIN + "\n" + table() + END;
        if ("true".equals(System.getenv("FERRY_DOCS_UPDATE"))) {
            doc = doc.substring(0, begin) + generated + doc.substring(end + END.length());
            Files.writeString(DOC, doc, StandardCharsets.UTF_8);
        }
        assertThat(doc.substring(begin, end + END.length()))
            .as("CONFIGURATION.md's key table is stale: rerun this test with FERRY_DOCS_UPDATE=true")
            .isEqualTo(generated);
        for (final ConfigKey k : NodeConfig.keys()) {
            assertThat(doc).contains("| `" + k.name() + "` | " + k.type() + " | ");
        }
    }

    @Test
    void shouldLoadEveryExampleFile() throws IOException {
        final String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        final Matcher m = EXAMPLE.matcher(doc);
        final List<NodeConfig> loaded = new ArrayList<>();
        while (m.find()) {
            final Properties p = new Properties();
            p.load(new StringReader(m.group(1)));
            final Map<String, String> values = new LinkedHashMap<>();
            p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
            loaded.add(NodeConfig.from(values));
        }
        assertThat(loaded).as("examples in CONFIGURATION.md").hasSizeGreaterThanOrEqualTo(2);
        assertThat(loaded.get(0).voters()).hasSize(1);
        assertThat(loaded.get(1).voters()).hasSize(3);
        assertThat(loaded.get(1).isVoter()).isTrue();
    }
}
