package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** House rules for the .avsc sources, checked so that a new schema cannot skip them. */
class SchemaFilesTest {

    private static List<Path> avscFiles() throws IOException {
        try (Stream<Path> files = Files.list(ModulePaths.avroSources())) {
            return files.filter(p -> p.toString().endsWith(".avsc")).sorted().toList();
        }
    }

    private static Schema parse(Path file) throws IOException {
        return new Schema.Parser().parse(file.toFile());
    }

    @Test
    void oneRecordPerFileNamedAfterIt_inTheProjectNamespace() throws IOException {
        List<String> names = new ArrayList<>();
        for (Path file : avscFiles()) {
            Schema schema = parse(file);
            assertThat(schema.getType()).as(file.toString()).isEqualTo(Schema.Type.RECORD);
            assertThat(schema.getNamespace()).as(file.toString()).isEqualTo("dev.embsum.avro");
            assertThat(schema.getName() + ".avsc").isEqualTo(file.getFileName().toString());
            names.add(schema.getName());
        }
        assertThat(names)
                .containsExactlyInAnyOrderElementsOf(
                        RecordTypes.ALL.stream().map(Class::getSimpleName).toList());
    }

    @Test
    void everyRecordFieldAndEnumHasADoc() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path file : avscFiles()) {
            collectMissingDocs(parse(file), missing);
        }
        assertThat(missing).as("schema parts without a doc").isEmpty();
    }

    private static void collectMissingDocs(Schema schema, List<String> missing) {
        switch (schema.getType()) {
            case RECORD -> {
                if (isBlank(schema.getDoc())) {
                    missing.add(schema.getFullName());
                }
                for (Schema.Field f : schema.getFields()) {
                    if (isBlank(f.doc())) {
                        missing.add(schema.getName() + "." + f.name());
                    }
                    collectMissingDocs(f.schema(), missing);
                }
            }
            case ENUM, FIXED -> {
                if (isBlank(schema.getDoc())) {
                    missing.add(schema.getFullName());
                }
            }
            case UNION -> schema.getTypes().forEach(t -> collectMissingDocs(t, missing));
            case ARRAY -> collectMissingDocs(schema.getElementType(), missing);
            case MAP -> collectMissingDocs(schema.getValueType(), missing);
            default -> {}
        }
    }

    @Test
    void nullableFieldsAreNullFirstUnionsDefaultingToNull() throws IOException {
        for (Path file : avscFiles()) {
            for (Schema.Field f : parse(file).getFields()) {
                if (f.schema().getType() == Schema.Type.UNION) {
                    List<Schema> branches = f.schema().getTypes();
                    assertThat(branches).as(f.name()).hasSize(2);
                    assertThat(branches.get(0).getType()).as(f.name()).isEqualTo(Schema.Type.NULL);
                    assertThat(f.defaultVal())
                            .as(f.name() + " default")
                            .isEqualTo(JsonProperties.NULL_VALUE);
                }
            }
        }
    }

    @Test
    void generatedClassesCarryTheFileSchemas() throws IOException {
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            Schema fromFile =
                    parse(ModulePaths.avroSources().resolve(type.getSimpleName() + ".avsc"));
            Schema generated = RecordTypes.schemaOf(type);
            // The generator adds avro.java.string properties, which the parsing canonical form
            // drops.
            assertThat(WireFormat.fingerprint(generated))
                    .as(type.getSimpleName())
                    .isEqualTo(WireFormat.fingerprint(fromFile));
        }
    }

    @Test
    void topicsCoverEveryRecordTypeOnce() {
        assertThat(Stream.of(Topic.values()).map(Topic::valueType).toList())
                .containsExactlyInAnyOrderElementsOf(RecordTypes.ALL);
        assertThat(Topic.byDefaultName("user-embeddings")).contains(Topic.USER_EMBEDDINGS);
        assertThat(Topic.CONTENT.compacted()).isTrue();
        assertThat(Topic.CLICKS.compacted()).isFalse();
        assertThat(Topic.CLICKS.valueCodec().recordClass())
                .isEqualTo(dev.embsum.avro.ClickEvent.class);
        assertThat(RecordTypes.byName("ContentItem")).contains(dev.embsum.avro.ContentItem.class);
        assertThat(RecordTypes.byName("dev.embsum.avro.ContentItem"))
                .contains(dev.embsum.avro.ContentItem.class);
        assertThat(RecordTypes.byName("Nope")).isEmpty();
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
