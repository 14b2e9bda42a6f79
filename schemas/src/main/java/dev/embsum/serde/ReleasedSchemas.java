package dev.embsum.serde;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The frozen copies of released schema versions, on the classpath under {@code
 * avro/released/<version>/<RecordName>.avsc} (source: schemas/src/main/resources). The codec
 * accepts writer schemas from all of them, and the compatibility test holds every current schema to
 * them. {@code avro/released/versions.txt} lists the versions, one per line, because a classpath
 * directory cannot be listed portably (e.g. inside a jar). See schemas/README.md.
 */
public final class ReleasedSchemas {

    static final String ROOT = "avro/released/";

    private static final Map<String, Map<String, Schema>> BY_RECORD = load();

    private ReleasedSchemas() {}

    /** Released version labels in release order, e.g. [v1, v2]. */
    public static List<String> versions() {
        return readVersions();
    }

    /**
     * Released versions of one record (by full name, e.g. dev.embsum.avro.ClickEvent), version
     * label to schema, in release order; empty for a record never released.
     */
    public static Map<String, Schema> of(String fullName) {
        return BY_RECORD.getOrDefault(fullName, Map.of());
    }

    private static Map<String, Map<String, Schema>> load() {
        Map<String, Map<String, Schema>> byRecord = new LinkedHashMap<>();
        for (String version : readVersions()) {
            for (Class<?> type : RecordTypes.ALL) {
                String resource = ROOT + version + "/" + type.getSimpleName() + ".avsc";
                try (InputStream in = resourceStream(resource)) {
                    if (in == null) {
                        continue; // the record did not exist yet in that version
                    }
                    // One parser per file: each file defines its own copy of the named types (e.g.
                    // Action).
                    Schema schema = new Schema.Parser().parse(in);
                    byRecord.computeIfAbsent(schema.getFullName(), k -> new LinkedHashMap<>())
                            .put(version, schema);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException(
                            "cannot load released schema " + resource + ": " + e.getMessage(), e);
                }
            }
        }
        byRecord.replaceAll((k, v) -> Collections.unmodifiableMap(v));
        return Collections.unmodifiableMap(byRecord);
    }

    private static List<String> readVersions() {
        List<String> versions = new ArrayList<>();
        try (InputStream in = resourceStream(ROOT + "versions.txt")) {
            if (in == null) {
                throw new IllegalStateException(
                        "missing classpath resource " + ROOT + "versions.txt");
            }
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                String v = line.strip();
                if (!v.isEmpty() && !v.startsWith("#")) {
                    versions.add(v);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(versions);
    }

    private static InputStream resourceStream(String name) {
        return ReleasedSchemas.class.getClassLoader().getResourceAsStream(name);
    }
}
