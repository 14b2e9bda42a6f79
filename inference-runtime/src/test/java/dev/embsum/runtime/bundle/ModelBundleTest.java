package dev.embsum.runtime.bundle;

import static dev.embsum.runtime.bundle.TestBundles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embsum.runtime.text.TextContract;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.function.Consumer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a bundle directory: a good one, and each way a damaged one is refused. */
class ModelBundleTest {

    @TempDir Path temp;

    private Path bundle;
    private JsonNode expected;

    @BeforeEach
    void copyBundle() throws IOException {
        bundle = TestBundles.copyDemoBundle(temp);
        expected = TestBundles.readManifest(bundle);
    }

    @Test
    void opensAGoodDirectory() throws Exception {
        try (ModelBundle opened = ModelBundle.open(bundle)) {
            BundleManifest manifest = opened.manifest();
            assertThat(opened.modelVersion()).isEqualTo(expected.get("model_version").asText());
            assertThat(opened.dir()).isEqualTo(bundle.toRealPath());
            assertThat(opened.manifestSha256()).isEqualTo(sha256(bundle.resolve("manifest.json")));

            JsonNode model = expected.get("model");
            assertThat(manifest.dModel()).isEqualTo(model.get("d_model").asInt());
            assertThat(manifest.numLayers()).isEqualTo(model.get("num_layers").asInt());
            assertThat(manifest.numDecoderLayers())
                    .isEqualTo(model.get("num_decoder_layers").asInt());
            assertThat(manifest.numHeads()).isEqualTo(model.get("num_heads").asInt());
            assertThat(manifest.dKv()).isEqualTo(model.get("d_kv").asInt());
            assertThat(manifest.vocabSize()).isEqualTo(32128);
            assertThat(manifest.m()).isEqualTo(expected.get("m").asInt());
            assertThat(manifest.n()).isEqualTo(expected.get("n").asInt());
            assertThat(TextContract.fromJson(manifest.text()).sessionSize())
                    .isEqualTo(manifest.sessionSize());

            VerifyReport report = opened.verifyReport();
            assertThat(report.files()).isEqualTo(expected.get("files").size()).isPositive();
            long bytes = 0;
            for (JsonNode file : expected.get("files")) {
                bytes += file.get("bytes").asLong();
            }
            assertThat(report.bytes()).isEqualTo(bytes);
            assertThat(report.duration()).isPositive();

            assertThat(opened.graphPath("decoder_step"))
                    .isEqualTo(opened.dir().resolve("decoder_step.onnx"))
                    .isRegularFile();
            assertThat(opened.resolve("golden/index.json")).isRegularFile();
            assertThat(opened.resolve("manifest.json")).isRegularFile();
        }
        // Closing a directory bundle leaves the directory alone.
        assertThat(bundle.resolve("weights.bin")).isRegularFile();
    }

    @Test
    void checksTheExpectedManifestSha256() throws Exception {
        String sha = sha256(bundle.resolve("manifest.json"));
        try (ModelBundle opened = ModelBundle.open(bundle, sha.toUpperCase(Locale.ROOT))) {
            assertThat(opened.manifestSha256()).isEqualTo(sha);
        }
        String other = (sha.charAt(0) == '0' ? "1" : "0") + sha.substring(1);
        assertRefused(() -> ModelBundle.open(bundle, other), "manifest.json")
                .hasMessageContaining("sha256 is " + sha + ", expected " + other);
        assertRefused(() -> ModelBundle.open(bundle, "abc"), "manifest.json")
                .hasMessageContaining("not 64 hex digits");
    }

    @Test
    void refusesAFlippedByteInWeights() throws Exception {
        Path weights = bundle.resolve("weights.bin");
        try (FileChannel channel =
                FileChannel.open(weights, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long middle = channel.size() / 2;
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, middle);
            one.put(0, (byte) (one.get(0) ^ 0x01)).rewind();
            channel.write(one, middle);
        }
        assertOpenRefused("weights.bin")
                .hasMessageContaining("does not match manifest.json")
                .hasMessageContaining("modified or damaged");
    }

    @Test
    void refusesATruncatedWeightsFile() throws Exception {
        Path weights = bundle.resolve("weights.bin");
        long size = Files.size(weights);
        try (FileChannel channel = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            channel.truncate(size - 4096);
        }
        assertOpenRefused("weights.bin")
                .hasMessageContaining("is " + (size - 4096) + " bytes, manifest.json says " + size)
                .hasMessageContaining("truncated");
    }

    @Test
    void refusesAMissingGraph() throws Exception {
        Files.delete(bundle.resolve("session_encoder.onnx"));
        assertOpenRefused("session_encoder.onnx")
                .hasMessageContaining("is missing from the bundle");
    }

    @Test
    void refusesAnUnlistedFile() throws Exception {
        Files.writeString(bundle.resolve("golden/notes.txt"), "not part of the export");
        assertOpenRefused("golden/notes.txt")
                .hasMessageContaining("not listed in manifest.json files");
    }

    @Test
    void refusesASymbolicLinkInside() throws Exception {
        Files.createSymbolicLink(bundle.resolve("weights-link.bin"), Path.of("weights.bin"));
        assertOpenRefused("weights-link.bin").hasMessageContaining("is a symbolic link");
    }

    @Test
    void refusesAManifestThatIsNotTheBundleFormat() throws Exception {
        editManifest(m -> m.put("format", "onnx-model"));
        assertOpenRefused("manifest.json")
                .hasMessageContaining("format is \"onnx-model\", expected \"embsum-model-bundle\"");

        editManifest(m -> m.put("format", "embsum-model-bundle").put("format_version", 2));
        assertOpenRefused("manifest.json")
                .hasMessageContaining("format_version 2 is not supported");
    }

    @Test
    void refusesABadModelVersion() throws Exception {
        editManifest(m -> m.put("model_version", "../v1"));
        assertOpenRefused("manifest.json").hasMessageContaining("model_version \"../v1\" must be");
    }

    @Test
    void refusesAManifestWithAMissingField() throws Exception {
        editManifest(m -> ((ObjectNode) m.get("model")).remove("num_heads"));
        assertOpenRefused("manifest.json")
                .hasMessageContaining("field 'model.num_heads' is missing");
    }

    @Test
    void refusesAMissingManifest() throws Exception {
        Files.delete(bundle.resolve("manifest.json"));
        assertOpenRefused("manifest.json").hasMessageContaining("is missing");
    }

    @Test
    void refusesATokenizerChecksumTheManifestContradicts() throws Exception {
        editManifest(m -> ((ObjectNode) m.get("tokenizer")).put("sha256", "0".repeat(64)));
        assertOpenRefused("manifest.json")
                .hasMessageContaining("tokenizer.sha256 is " + "0".repeat(64));
    }

    @Test
    void resolvesOnlyTheBundlesOwnFiles() throws Exception {
        try (ModelBundle opened = ModelBundle.open(bundle)) {
            for (String outside :
                    new String[] {
                        "../etc/passwd",
                        "/etc/passwd",
                        "golden",
                        "golden/../weights.bin",
                        "nope.onnx"
                    }) {
                assertThatThrownBy(() -> opened.resolve(outside))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("\"" + outside + "\" is not a file of bundle");
            }
            assertThatThrownBy(() -> opened.graphPath("encoder"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("has no graph \"encoder\"");
        }
    }

    @Test
    void refusesWhatIsNotABundle() throws Exception {
        Path missing = temp.resolve("nowhere");
        assertRefused(() -> ModelBundle.open(missing), "nowhere")
                .hasMessage(
                        "bundle "
                                + missing
                                + ": nowhere: does not exist; expected a bundle"
                                + " directory or a .tar.gz archive");
        Path zip = Files.writeString(temp.resolve("bundle.zip"), "PK");
        assertRefused(() -> ModelBundle.open(zip), "bundle.zip")
                .hasMessageContaining("is not a bundle");
    }

    /** Asserts that opening the damaged copy is refused, naming {@code file}. */
    private AbstractThrowableAssert<?, ? extends Throwable> assertOpenRefused(String file) {
        return assertRefused(() -> ModelBundle.open(bundle), file);
    }

    private void editManifest(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode manifest = TestBundles.readManifest(bundle);
        edit.accept(manifest);
        TestBundles.writeManifest(bundle, manifest);
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
