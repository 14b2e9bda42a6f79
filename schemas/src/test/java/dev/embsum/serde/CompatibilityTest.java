package dev.embsum.serde;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embsum.avro.ClickEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The build fails when a current schema is not backward and forward compatible with every released
 * version (docs/design.md 2), and the checker provably catches breaking changes.
 */
class CompatibilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> everyCurrentSchemaIsCompatibleWithEveryReleasedVersion() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            Schema current = RecordTypes.schemaOf(type);
            ReleasedSchemas.of(current.getFullName())
                    .forEach(
                            (version, released) ->
                                    tests.add(
                                            DynamicTest.dynamicTest(
                                                    type.getSimpleName() + " vs " + version,
                                                    () ->
                                                            assertThat(
                                                                            SchemaEvolution
                                                                                    .problems(
                                                                                            current,
                                                                                            released))
                                                                    .as(
                                                                            type.getSimpleName()
                                                                                    + " is not compatible with released "
                                                                                    + version
                                                                                    + "; see schemas/README.md")
                                                                    .isEmpty())));
        }
        assertThat(tests)
                .as("released (record, version) pairs")
                .hasSizeGreaterThanOrEqualTo(RecordTypes.ALL.size());
        return tests.stream();
    }

    @Test
    void everyRecordTypeHasBeenReleased() {
        for (Class<? extends SpecificRecord> type : RecordTypes.ALL) {
            assertThat(ReleasedSchemas.of(type.getName())).as(type.getSimpleName()).isNotEmpty();
        }
    }

    @Test
    void versionsFileListsExactlyTheReleasedDirectories() throws IOException {
        List<String> dirs;
        try (Stream<Path> list = Files.list(ModulePaths.released())) {
            dirs =
                    list.filter(Files::isDirectory)
                            .map(p -> p.getFileName().toString())
                            .sorted()
                            .toList();
        }
        assertThat(ReleasedSchemas.versions()).containsExactlyInAnyOrderElementsOf(dirs);
        for (String dir : dirs) {
            try (Stream<Path> files = Files.list(ModulePaths.released().resolve(dir))) {
                files.forEach(
                        f ->
                                assertThat(
                                                RecordTypes.byName(
                                                        f.getFileName()
                                                                .toString()
                                                                .replace(".avsc", "")))
                                        .as("released file " + f + " names a known record")
                                        .isPresent());
            }
        }
    }

    // --- the checker catches breaking changes -------------------------------------------------

    @Test
    void newRequiredFieldWithoutDefaultIsFlagged() {
        Schema changed =
                modifiedClickEvent(
                        fields ->
                                fields.addObject()
                                        .put("name", "session_id")
                                        .put("type", "string")
                                        .put("doc", "new, no default"));
        List<String> problems = SchemaEvolution.problems(changed, releasedClickEvent());
        assertThat(problems)
                .anySatisfy(p -> assertThat(p).startsWith("backward").contains("session_id"));
    }

    @Test
    void removedRequiredFieldIsFlagged() {
        Schema changed = modifiedClickEvent(fields -> fields.remove(2)); // item_id
        assertThat(SchemaEvolution.problems(changed, releasedClickEvent()))
                .anySatisfy(p -> assertThat(p).startsWith("forward").contains("item_id"));
    }

    @Test
    void changedFieldTypeIsFlagged() {
        Schema changed =
                modifiedClickEvent(fields -> ((ObjectNode) fields.get(1)).put("type", "long"));
        assertThat(SchemaEvolution.problems(changed, releasedClickEvent())).isNotEmpty();
    }

    @Test
    void newEnumSymbolIsFlaggedAsForwardIncompatible() {
        Schema changed =
                modifiedClickEvent(
                        fields ->
                                ((ArrayNode) fields.get(4).get("type").get("symbols")).add("SKIP"));
        assertThat(SchemaEvolution.problems(changed, releasedClickEvent()))
                .singleElement()
                .satisfies(p -> assertThat(p).startsWith("forward").contains("SKIP"));
    }

    @Test
    void newNullableFieldWithDefaultIsAccepted() {
        Schema changed =
                modifiedClickEvent(
                        fields -> {
                            ObjectNode f =
                                    fields.addObject()
                                            .put("name", "session_id")
                                            .put("doc", "optional");
                            f.putArray("type").add("null").add("string");
                            f.putNull("default");
                        });
        assertThat(SchemaEvolution.problems(changed, releasedClickEvent())).isEmpty();
    }

    private static Schema releasedClickEvent() {
        Map<String, Schema> released = ReleasedSchemas.of(ClickEvent.class.getName());
        assertThat(released).containsKey("v1");
        return released.get("v1");
    }

    /** The ClickEvent .avsc with its "fields" array edited. */
    private static Schema modifiedClickEvent(Consumer<ArrayNode> edit) {
        try {
            ObjectNode json =
                    (ObjectNode)
                            JSON.readTree(
                                    ModulePaths.avroSources().resolve("ClickEvent.avsc").toFile());
            edit.accept((ArrayNode) json.get("fields"));
            return new Schema.Parser().parse(JSON.writeValueAsString(json));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
