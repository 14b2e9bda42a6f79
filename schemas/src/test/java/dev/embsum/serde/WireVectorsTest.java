package dev.embsum.serde;

import static dev.embsum.serde.MalformedAssertions.assertMalformedKind;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.ThrowingConsumer;

/**
 * golden/wire-vectors.json: exact single-object bytes of representative values, checked here and by
 * Python (training-batch/tests/test_wire.py). Java produces the file: {@code mvn -B -q -pl schemas
 * test -Dtest=WireVectorsTest -Dembsum.regenerate=true}.
 */
class WireVectorsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final HexFormat HEX = HexFormat.of();
    private static final String REGENERATE =
            "mvn -B -q -pl schemas test -Dtest=WireVectorsTest -Dembsum.regenerate=true";

    @BeforeAll
    static void regenerateWhenAsked() throws IOException {
        if (Boolean.getBoolean("embsum.regenerate")) {
            Path file = ModulePaths.wireVectors();
            Files.createDirectories(file.getParent());
            Files.writeString(file, render(expected()));
        }
    }

    @Test
    void fileIsWhatTheCurrentCodeProduces() throws IOException {
        String onDisk = Files.readString(ModulePaths.wireVectors(), StandardCharsets.UTF_8);
        assertThat(onDisk)
                .as("golden/wire-vectors.json is stale; regenerate with: " + REGENERATE)
                .isEqualTo(render(expected()));
    }

    @TestFactory
    Stream<DynamicTest> everyVectorEncodesToItsBytesAndDecodesToItsValue() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode record : golden().get("records")) {
            SingleObjectCodec<SpecificRecord> codec = codec(record.get("record").textValue());
            for (JsonNode vector : record.get("vectors")) {
                tests.add(
                        DynamicTest.dynamicTest(
                                record.get("record").textValue()
                                        + "/"
                                        + vector.get("name").textValue(),
                                () -> {
                                    SpecificRecord value =
                                            (SpecificRecord)
                                                    PlainJson.fromJson(
                                                            codec.schema(), vector.get("value"));
                                    byte[] bytes = HEX.parseHex(vector.get("hex").textValue());
                                    assertThat(HEX.formatHex(codec.encode(value)))
                                            .isEqualTo(vector.get("hex").textValue());
                                    SpecificRecord decoded = codec.decode(bytes);
                                    assertThat(decoded).isEqualTo(value);
                                    assertThat(text(PlainJson.toJson(codec.schema(), decoded)))
                                            .isEqualTo(text(vector.get("value")));
                                }));
            }
        }
        return tests.stream();
    }

    @Test
    void fingerprintsAreTheCodecs() throws IOException {
        Set<String> records = new TreeSet<>();
        for (JsonNode record : golden().get("records")) {
            SingleObjectCodec<SpecificRecord> codec = codec(record.get("record").textValue());
            assertThat(record.get("fingerprint").textValue())
                    .isEqualTo(WireFormat.fingerprintHex(codec.fingerprint()));
            assertThat(record.get("fingerprint_long").longValue()).isEqualTo(codec.fingerprint());
            assertThat(record.get("vectors")).isNotEmpty();
            records.add(record.get("record").textValue());
        }
        assertThat(records)
                .containsExactlyInAnyOrderElementsOf(
                        RecordTypes.ALL.stream().map(Class::getSimpleName).toList());
    }

    @TestFactory
    Stream<DynamicTest> malformedInputsFailWithTheirKind() throws IOException {
        return eachEntryOf(
                "malformed",
                c ->
                        assertMalformedKind(
                                () -> codec(c.get("record").textValue()).decode(bytesOf(c)),
                                MalformedRecordException.Kind.valueOf(c.get("kind").textValue())));
    }

    @TestFactory
    Stream<DynamicTest> nonCanonicalEncodingsDecode() throws IOException {
        return eachEntryOf(
                "noncanonical",
                c -> {
                    SingleObjectCodec<SpecificRecord> codec = codec(c.get("record").textValue());
                    SpecificRecord decoded = codec.decode(bytesOf(c));
                    assertThat(text(PlainJson.toJson(codec.schema(), decoded)))
                            .isEqualTo(text(c.get("value")));
                });
    }

    /** A test per entry of the golden file's {@code section}, named by the entry's "name". */
    private static Stream<DynamicTest> eachEntryOf(String section, ThrowingConsumer<JsonNode> check)
            throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : golden().get(section)) {
            tests.add(
                    DynamicTest.dynamicTest(
                            entry.get("name").textValue(), () -> check.accept(entry)));
        }
        return tests.stream();
    }

    private static byte[] bytesOf(JsonNode entry) {
        return HEX.parseHex(entry.get("hex").textValue());
    }

    // --- producing the file ----------------------------------------------------------------------

    private static ObjectNode expected() {
        ObjectNode root = NODES.objectNode();
        root.put(
                "comment",
                "Generated by Java (schemas module, WireVectorsTest); do not edit. Regenerate: "
                        + REGENERATE);
        root.put(
                "format",
                "Avro single-object encoding: c3 01, the writer schema's CRC-64-AVRO fingerprint "
                        + "(8 bytes, little-endian), the Avro binary body. 'fingerprint' is those 8 bytes in hex "
                        + "(as fastavro prints it); 'fingerprint_long' is Java's SchemaNormalization.parsingFingerprint64.");
        root.put(
                "value_json",
                "Plain JSON: a record is an object with every field; string and enum symbol "
                        + "are strings; int and long are numbers; timestamp-millis is epoch milliseconds (UTC); bytes are "
                        + "lower-case hex; a nullable field is null or its value.");
        ArrayNode records = root.putArray("records");
        Samples.all()
                .forEach(
                        (name, samples) -> {
                            SingleObjectCodec<SpecificRecord> codec = codec(name);
                            ObjectNode record = records.addObject();
                            record.put("record", name);
                            record.put("full_name", codec.schema().getFullName());
                            record.put(
                                    "fingerprint", WireFormat.fingerprintHex(codec.fingerprint()));
                            record.put("fingerprint_long", codec.fingerprint());
                            ArrayNode vectors = record.putArray("vectors");
                            for (Samples.Sample s : samples) {
                                ObjectNode v = vectors.addObject();
                                v.put("name", s.name());
                                v.put("note", s.note());
                                v.set("value", PlainJson.toJson(codec.schema(), s.value()));
                                v.put("hex", HEX.formatHex(codec.encode(s.value())));
                            }
                        });
        ArrayNode malformed = root.putArray("malformed");
        for (MalformedSamples.Case c : MalformedSamples.cases()) {
            ObjectNode m = malformed.addObject();
            m.put("name", c.name());
            m.put("record", c.type().getSimpleName());
            m.put("hex", HEX.formatHex(c.bytes()));
            m.put("kind", c.kind().name());
        }
        ArrayNode nonCanonical = root.putArray("noncanonical");
        for (MalformedSamples.NonCanonical c : MalformedSamples.nonCanonical()) {
            SingleObjectCodec<SpecificRecord> codec = codec(c.type().getSimpleName());
            ObjectNode n = nonCanonical.addObject();
            n.put("name", c.name());
            n.put("note", c.note());
            n.put("record", c.type().getSimpleName());
            n.put("hex", HEX.formatHex(c.bytes()));
            n.set("value", PlainJson.toJson(codec.schema(), codec.decode(c.bytes())));
        }
        return root;
    }

    @Test
    void malformedCasesCoverEveryKindAndReallyFailThatWay() {
        Set<MalformedRecordException.Kind> kinds = new TreeSet<>();
        for (MalformedSamples.Case c : MalformedSamples.cases()) {
            kinds.add(c.kind());
            assertMalformedKind(
                    c.name(), () -> codec(c.type().getSimpleName()).decode(c.bytes()), c.kind());
        }
        assertThat(kinds).containsExactlyInAnyOrder(MalformedRecordException.Kind.values());
    }

    private static String render(JsonNode root) throws IOException {
        return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static String text(JsonNode node) throws IOException {
        return MAPPER.writeValueAsString(node);
    }

    private static JsonNode golden() throws IOException {
        return MAPPER.readTree(ModulePaths.wireVectors().toFile());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SingleObjectCodec<SpecificRecord> codec(String simpleName) {
        Class<? extends SpecificRecord> type =
                RecordTypes.byName(simpleName)
                        .orElseThrow(() -> new AssertionError("unknown record " + simpleName));
        return (SingleObjectCodec) SingleObjectCodec.forClass(type);
    }
}
