package dev.ferry.chaos.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

class JsonWriterTest {
    @Test
    void shouldWriteNestedValuesThatParseBack() {
        final StringBuilder out = new StringBuilder();
        new JsonWriter(out).beginObject()
                .name("s").value("quote \" backslash \\ newline \n tab \t bell \u0007 line-sep \u2028 é")
                .name("n").value(42L)
                .name("d").value(1.5)
                .name("nan").value(Double.NaN)
                .name("b").value(true)
                .name("nothing").value((String) null)
                .name("list").beginArray().value(1L).beginObject().endObject().beginArray().endArray().endArray()
                .endObject();

        final Map<String, Object> parsed = MiniJson.object(out.toString());

        assertThat(parsed).containsEntry("s", "quote \" backslash \\ newline \n tab \t bell \u0007 line-sep \u2028 é")
                .containsEntry("n", 42.0).containsEntry("d", 1.5).containsEntry("nan", null)
                .containsEntry("b", true).containsEntry("nothing", null)
                .containsEntry("list", List.of(1.0, Map.of(), List.of()));
        assertThat(out.toString()).doesNotContain("\n").contains("\\u0007");
    }

    @Test
    void shouldRefuseMisuse() {
        assertThatThrownBy(() -> new JsonWriter(new StringBuilder()).beginObject().value(1L))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a name");
        assertThatThrownBy(() -> new JsonWriter(new StringBuilder()).beginArray().name("x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("name=x");
        assertThatThrownBy(() -> new JsonWriter(new StringBuilder()).beginArray().endObject())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("}");
    }
}
