package dev.embsum.runtime.bundle;

import static dev.embsum.runtime.bundle.TestBundles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing manifest.json: the real one, and each kind of broken field, reported by path. */
class BundleManifestTest {

    private static final String SOURCE = "test-bundle";

    private ObjectNode original;

    @BeforeEach
    void readManifest() throws Exception {
        original = TestBundles.readManifest(TestBundles.demoBundleDir());
    }

    @Test
    void typesTheRealManifest() throws Exception {
        BundleManifest manifest =
                BundleManifest.parse(
                        Files.readAllBytes(TestBundles.demoBundleDir().resolve("manifest.json")),
                        SOURCE);

        assertThat(manifest.modelVersion()).isEqualTo(original.get("model_version").asText());
        assertThat(manifest.createdAt())
                .isEqualTo(Instant.parse(original.get("created_at").asText()));
        assertThat(manifest.untrained()).isEqualTo(original.get("untrained").asBoolean());
        assertThat(manifest.trainingStatus().name().toLowerCase(Locale.ROOT))
                .isEqualTo(original.get("training").get("status").asText());
        assertThat(manifest.teacherKind().name().toLowerCase(Locale.ROOT))
                .isEqualTo(original.get("teacher").get("kind").asText());
        assertThat(manifest.maxSummaryTokens())
                .isEqualTo(original.get("max_summary_tokens").asInt());
        assertThat(
                        new int[] {
                            manifest.sosId(),
                            manifest.eosId(),
                            manifest.padId(),
                            manifest.decoderStartId(),
                            manifest.unkId()
                        })
                .containsExactly(32099, 1, 0, 0, 2);
        assertThat(
                        new int[] {
                            manifest.historySize(),
                            manifest.sessionSize(),
                            manifest.sessionMaxTokens()
                        })
                .containsExactly(
                        original.get("H").asInt(),
                        original.get("p").asInt(),
                        original.get("l").asInt());
        assertThat(manifest.tokenizerFile()).isEqualTo("tokenizer.json");
        assertThat(manifest.tokenizerSha256())
                .isEqualTo(original.get("tokenizer").get("sha256").asText());
        assertThat(manifest.goldenIndex()).isEqualTo("golden/index.json");
        assertThat(manifest.goldenAbsTolerance()).isEqualTo(1e-4);
        assertThat(manifest.goldenRelTolerance()).isEqualTo(1e-4);

        assertThat(manifest.graphs()).containsOnlyKeys(BundleManifest.GRAPH_NAMES);
        GraphSpec encoder = manifest.graphs().get("session_encoder");
        assertThat(encoder.file()).isEqualTo("session_encoder.onnx");
        assertThat(encoder.inputs())
                .containsExactly(
                        new TensorSpec("input_ids", "int64", List.of("S", "L")),
                        new TensorSpec("attention_mask", "int64", List.of("S", "L")));
        assertThat(encoder.outputs())
                .containsExactly(
                        new TensorSpec(
                                "token_states",
                                "float32",
                                List.of("S", "L", (long) manifest.dModel())));
        assertThat(manifest.graphs().get("decoder_step").inputs())
                .hasSize(2 + 4 * manifest.numDecoderLayers());

        JsonNode weights = original.get("files").get("weights.bin");
        assertThat(manifest.files())
                .hasSize(original.get("files").size())
                .containsEntry(
                        "weights.bin",
                        new FileEntry(
                                weights.get("sha256").asText(), weights.get("bytes").asLong()));
        assertThat(manifest.json()).isEqualTo(original);
    }

    @Test
    void handsOutCopiesOfItsJson() throws Exception {
        BundleManifest manifest = parse(original);
        ((ObjectNode) manifest.json()).put("model_version", "changed");
        ((ObjectNode) manifest.text()).put("H", 1);
        assertThat(manifest.json().get("model_version")).isEqualTo(original.get("model_version"));
        assertThat(manifest.text().get("H").asInt()).isEqualTo(manifest.historySize());
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                broken(
                        "format",
                        m -> m.put("format", "onnx-model"),
                        "format is \"onnx-model\", expected \"embsum-model-bundle\""),
                broken("no format", m -> m.remove("format"), "field 'format' is missing"),
                broken(
                        "format_version",
                        m -> m.put("format_version", 2),
                        "format_version 2 is not supported: this loader reads version 1"),
                broken(
                        "model_version",
                        m -> m.put("model_version", "-v1"),
                        "model_version \"-v1\" must be 1-128 characters"),
                broken(
                        "model_version too long",
                        m -> m.put("model_version", "v".repeat(129)),
                        "model_version \"vvv"),
                broken(
                        "created_at",
                        m -> m.put("created_at", "2026-11-23 12:18:52"),
                        "created_at \"2026-11-23 12:18:52\" is not a UTC time"),
                broken(
                        "untrained",
                        m -> m.put("untrained", "false"),
                        "field 'untrained' must be true or false, got \"false\""),
                broken(
                        "missing dim",
                        m -> object(m, "model").remove("d_model"),
                        "field 'model.d_model' is missing"),
                broken(
                        "ill-typed dim",
                        m -> object(m, "model").put("d_model", 32.5),
                        "field 'model.d_model' must be an integer >= 1, got 32.5"),
                broken("zero m", m -> m.put("m", 0), "field 'm' must be an integer >= 1, got 0"),
                broken(
                        "special id",
                        m -> object(m, "special_tokens").putNull("eos_id"),
                        "field 'special_tokens.eos_id' must be an integer >= 0, got null"),
                broken(
                        "text disagrees",
                        m -> object(m, "text").put("p", 1),
                        "field 'text' has p = 1 but the manifest's own p is"),
                broken(
                        "text invalid",
                        m -> object(m, "text").remove("clauses"),
                        "field 'text' is not a valid text contract"),
                broken(
                        "missing graph",
                        m -> object(object(m, "onnx"), "graphs").remove("decoder_step"),
                        "field 'onnx.graphs' has no graph \"decoder_step\""),
                broken(
                        "graph file",
                        m -> graph(m, "user_head").put("file", "x.onnx"),
                        "field 'onnx.graphs.user_head' names file \"x.onnx\""),
                broken(
                        "shape",
                        m -> ((ArrayNode) firstInput(m).get("shape")).set(0, 1.5),
                        "field 'onnx.graphs.session_encoder.inputs[0].shape[0]' must be a"
                                + " symbolic dim"),
                broken(
                        "tensor name",
                        m -> firstInput(m).remove("name"),
                        "field 'onnx.graphs.session_encoder.inputs[0].name' is missing"),
                broken(
                        "training status",
                        m -> object(m.put("untrained", true), "training").put("status", "trained"),
                        "field 'training.status' is \"trained\" but untrained is true"),
                broken(
                        "teacher",
                        m -> object(m, "teacher").put("kind", "gpt"),
                        "field 'teacher.kind' is \"gpt\", expected one of [llm, template, none]"),
                broken(
                        "tolerance",
                        m -> object(object(m, "golden"), "tolerance").put("abs", -1),
                        "field 'golden.tolerance.abs' must be a number >= 0"),
                broken(
                        "unlisted weights",
                        m -> object(m, "files").remove("weights.bin"),
                        "field 'files' has no entry for \"weights.bin\""),
                broken(
                        "unsafe file",
                        m -> object(m, "files").set("../x", object(m, "files").get("weights.bin")),
                        "field 'files[\"../x\"]' names an unsafe path"),
                broken(
                        "file sha",
                        m -> object(object(m, "files"), "weights.bin").put("sha256", "ABC"),
                        "field 'files[\"weights.bin\"].sha256' is \"ABC\", not a SHA-256"),
                broken(
                        "file size",
                        m -> object(object(m, "files"), "weights.bin").put("bytes", -1),
                        "field 'files[\"weights.bin\"].bytes' must be an integer >= 0"),
                broken(
                        "tokenizer path",
                        m -> object(m, "tokenizer").put("file", "/etc/passwd"),
                        "field 'tokenizer.file' is \"/etc/passwd\", not a safe relative path"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void refusesABrokenField(String what, Consumer<ObjectNode> breakIt, String problem) {
        ObjectNode manifest = original.deepCopy();
        breakIt.accept(manifest);
        assertRefused(() -> parse(manifest), "manifest.json")
                .hasMessageStartingWith("bundle " + SOURCE + ": manifest.json: ")
                .hasMessageContaining(problem);
    }

    @Test
    void refusesWhatIsNotAManifestObject() {
        assertRefused(() -> parse("{\"format\": "), "manifest.json")
                .hasMessageContaining("is not valid JSON");
        assertRefused(() -> parse("[]"), "manifest.json")
                .hasMessageContaining("must be a JSON object, got []");
        assertRefused(() -> parse(""), "manifest.json")
                .hasMessageContaining("must be a JSON object, got nothing");
        assertRefused(() -> parse("{\"format\": \"a\", \"format\": \"b\"}"), "manifest.json")
                .hasMessageContaining("is not valid JSON: Duplicate field 'format'");
        assertRefused(() -> parse(original + " {}"), "manifest.json")
                .hasMessageContaining("is not valid JSON");
    }

    private static Arguments broken(String what, Consumer<ObjectNode> breakIt, String problem) {
        return Arguments.of(what, breakIt, problem);
    }

    private static ObjectNode object(ObjectNode parent, String key) {
        return (ObjectNode) parent.get(key);
    }

    private static ObjectNode graph(ObjectNode manifest, String name) {
        return object(object(object(manifest, "onnx"), "graphs"), name);
    }

    private static ObjectNode firstInput(ObjectNode manifest) {
        return (ObjectNode) graph(manifest, "session_encoder").get("inputs").get(0);
    }

    private static BundleManifest parse(JsonNode manifest) throws BundleException {
        return parse(manifest.toString());
    }

    private static BundleManifest parse(String json) throws BundleException {
        return BundleManifest.parse(json.getBytes(StandardCharsets.UTF_8), SOURCE);
    }
}
