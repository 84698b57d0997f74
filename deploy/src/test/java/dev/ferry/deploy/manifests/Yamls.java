package dev.ferry.deploy.manifests;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads YAML manifests as plain maps and lists, and walks them with paths that fail with the path's name. */
final class Yamls {

    private Yamls() {
    }

    /** @return every document of the file, in order (Kubernetes files may hold several) */
    static List<Map<String, Object>> documents(final Path file) {
        final Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
        final List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (final Object doc : yaml.loadAll(reader)) {
                if (doc != null) {
                    docs.add(map(doc, file.toString()));
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    /** @return the map at {@code path} (dot-separated keys) under {@code root}; fails naming the path if absent */
    static Map<String, Object> map(final Map<String, Object> root, final String path) {
        return map(get(root, path), path);
    }

    /** @return the list at {@code path} under {@code root} */
    static List<Object> list(final Map<String, Object> root, final String path) {
        final Object value = get(root, path);
        assertThat(value).as(path).isInstanceOf(List.class);
        @SuppressWarnings("unchecked")
        final List<Object> list = (List<Object>) value;
        return list;
    }

    /** @return the value at {@code path} as a string (numbers too) */
    static String string(final Map<String, Object> root, final String path) {
        return String.valueOf(get(root, path));
    }

    /** @return the value at {@code path}; fails naming the path if absent */
    static Object get(final Map<String, Object> root, final String path) {
        Object current = root;
        for (final String key : path.split("\\.")) {
            final Map<String, Object> node = map(current, path);
            assertThat(node).as("%s: no key %s", path, key).containsKey(key);
            current = node.get(key);
        }
        return current;
    }

    /** @return {@code value} as a map; fails naming {@code what} otherwise */
    static Map<String, Object> map(final Object value, final String what) {
        assertThat(value).as(what).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        final Map<String, Object> map = (Map<String, Object>) value;
        return map;
    }
}
