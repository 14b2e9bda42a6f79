package dev.embsum.flink.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embsum.avro.ModelRelease;
import dev.embsum.avro.state.RawRecord;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Model bundles and releases for the hot-swap tests, made from the test bundle ({@link TestBundle})
 * in a temporary directory; the test bundle itself is never modified.
 *
 * <p>A bundle directory's name is not checked (only an archive's top directory must be its
 * model_version), and manifest.json's own checksum is not in its {@code files} list: a re-versioned
 * copy only rewrites {@code model_version} in the manifest, and its release names the new
 * manifest's SHA-256. Its graphs are the test bundle's, so it computes the same vectors under
 * another model_version (the only tiny bundle committed is the demo one).
 */
public final class TestReleases {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path demoV2;

    private TestReleases() {}

    /**
     * A valid copy of the test bundle whose model_version is {@code demo-v2}, made once per test
     * JVM and shared by the tests that only read it (deleted when the JVM exits). A test that
     * moves, damages or deletes its release bundle makes its own {@link #reversioned} copy.
     */
    public static synchronized Path demoV2() {
        if (demoV2 == null) {
            try {
                Path parent = Files.createTempDirectory("embsum-demo-v2");
                demoV2 = reversioned(parent, "v2", "demo-v2");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(parent)));
            } catch (IOException e) {
                throw new UncheckedIOException("could not copy the test bundle", e);
            }
        }
        return demoV2;
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind; nothing to do at JVM exit
        }
    }

    /**
     * A valid copy of the test bundle, in {@code parent/dirName}, whose model_version is {@code
     * version}.
     */
    public static Path reversioned(Path parent, String dirName, String version) throws IOException {
        Path dir = TestFiles.copyTree(TestBundle.dir(), parent.resolve(dirName));
        ObjectNode manifest = manifest(dir);
        manifest.put("model_version", version);
        writeManifest(dir, manifest);
        return dir;
    }

    /**
     * Damages {@code file} of the bundle at {@code dir} in place: one byte in its middle flipped.
     */
    public static void flipOneByte(Path dir, String file) throws IOException {
        Path path = dir.resolve(file);
        byte[] bytes = Files.readAllBytes(path);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(path, bytes);
    }

    /**
     * Makes the bundle at {@code dir} fail its golden warm-up but pass every checksum: one token id
     * of the first golden text is changed and the manifest lists the new file's checksum.
     */
    public static void breakGoldenKeepChecksums(Path dir) throws IOException {
        Path texts = dir.resolve("golden/texts.json");
        ObjectNode root = (ObjectNode) JSON.readTree(texts.toFile());
        ArrayNode tokens = (ArrayNode) root.get("items").get(0).get("item_tokens");
        tokens.set(1, tokens.get(1).asInt() + 1);
        JSON.writeValue(texts.toFile(), root);
        relist(dir, "golden/texts.json");
    }

    /** Gives the bundle at {@code dir} another tokenizer (one byte more), consistently listed. */
    public static void changeTokenizer(Path dir) throws IOException {
        Path tokenizer = dir.resolve("tokenizer.json");
        Files.write(tokenizer, new byte[] {'\n'}, StandardOpenOption.APPEND);
        relist(dir, "tokenizer.json");
        ObjectNode manifest = manifest(dir);
        object(manifest, "tokenizer").put("sha256", sha256(Files.readAllBytes(tokenizer)));
        writeManifest(dir, manifest);
    }

    /** Changes the bundle's text contract (the news title label), consistently. */
    public static void changeTextContract(Path dir) throws IOException {
        ObjectNode manifest = manifest(dir);
        ((ObjectNode) object(object(manifest, "text"), "clauses").get("news").get(0))
                .put("label", "Headline:");
        writeManifest(dir, manifest);
    }

    /** SHA-256 of the bundle's manifest.json: what a release names. */
    public static String manifestSha256(Path dir) {
        try {
            return sha256(Files.readAllBytes(dir.resolve("manifest.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelRelease release(
            String version, String bundleUri, String sha256, long releasedAtMs) {
        return ModelRelease.newBuilder()
                .setModelVersion(version)
                .setBundleUri(bundleUri)
                .setBundleSha256(sha256)
                .setReleasedAt(Instant.ofEpochMilli(releasedAtMs))
                .build();
    }

    /** A release of the bundle at {@code dir} as it is now. */
    public static ModelRelease release(String version, Path dir, long releasedAtMs) {
        return release(version, dir.toString(), manifestSha256(dir), releasedAtMs);
    }

    /** A release of the bundle at {@code dir} as it is now, named by its {@code file:} URI. */
    public static ModelRelease releaseByUri(String version, Path dir, long releasedAtMs) {
        return release(version, dir.toUri().toString(), manifestSha256(dir), releasedAtMs);
    }

    /** As validate-releases would emit it for {@link #release(String, Path, long)}. */
    public static VerifiedRelease verified(String version, Path dir, long releasedAtMs) {
        return VerifiedRelease.newBuilder()
                .setModelVersion(version)
                .setBundleUri(dir.toString())
                .setBundlePath(dir.toString())
                .setBundleSha256(manifestSha256(dir))
                .setReleasedAtMs(releasedAtMs)
                .build();
    }

    /** The release as the model-releases topic carries it (key "current"). */
    public static RawRecord raw(ModelRelease release) {
        return Records.encoded("model-releases", "current", release);
    }

    private static void relist(Path dir, String file) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        ObjectNode manifest = manifest(dir);
        ObjectNode entry = object(object(manifest, "files"), file);
        entry.put("sha256", sha256(bytes));
        entry.put("bytes", bytes.length);
        writeManifest(dir, manifest);
    }

    private static ObjectNode object(ObjectNode node, String field) {
        return (ObjectNode) node.get(field);
    }

    private static ObjectNode manifest(Path dir) throws IOException {
        return (ObjectNode) JSON.readTree(dir.resolve("manifest.json").toFile());
    }

    private static void writeManifest(Path dir, ObjectNode manifest) throws IOException {
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve("manifest.json").toFile(), manifest);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
