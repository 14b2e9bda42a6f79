package dev.embsum.runtime.bundle;

import static dev.embsum.runtime.bundle.TestBundles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening a {@code .tar.gz} bundle: a good one extracts, verifies and is removed on close; a
 * hostile or damaged one is refused, naming the archive, and leaves nothing behind.
 */
class ModelBundleArchiveTest {

    private static final byte[] SOME_BYTES = "x".getBytes(StandardCharsets.UTF_8);

    @TempDir Path temp;

    /** Where archives are extracted; must be empty again after every test. */
    private Path extractions;

    private ExtractionOptions options;

    @BeforeEach
    void extractionDir() throws IOException {
        extractions = Files.createDirectory(temp.resolve("extractions"));
        options = ExtractionOptions.defaults().withTempParent(extractions);
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        try (var left = Files.list(extractions)) {
            assertThat(left).as("temporary directories left behind").isEmpty();
        }
    }

    @Test
    void opensAGoodArchiveAndRemovesItsTemporaryDirectoryOnClose() throws Exception {
        Path dir = TestBundles.copyDemoBundle(temp);
        String version = dir.getFileName().toString();
        Path archive = archiveOf(dir, ".tar.gz");

        ModelBundle opened = ModelBundle.open(archive, null, options);
        try (opened) {
            assertThat(opened.modelVersion()).isEqualTo(version);
            assertThat(opened.dir()).startsWith(extractions).endsWith(Path.of(version));
            assertThat(opened.manifestSha256())
                    .isEqualTo(ModelBundleTest.sha256(dir.resolve("manifest.json")));
            assertThat(opened.manifest().dModel())
                    .isEqualTo(TestBundles.readManifest(dir).get("model").get("d_model").asInt());
            assertThat(opened.graphPath("session_encoder")).isRegularFile();
            assertThat(opened.verifyReport().files()).isEqualTo(opened.manifest().files().size());
        }
        assertThat(opened.dir()).doesNotExist();
        opened.close(); // idempotent
    }

    @Test
    void acceptsTheTgzSuffix() throws Exception {
        Path dir = TestBundles.copyDemoBundle(temp);
        try (ModelBundle opened = ModelBundle.open(archiveOf(dir, ".tgz"), null, options)) {
            assertThat(opened.modelVersion()).isEqualTo(dir.getFileName().toString());
        }
    }

    @Test
    void refusesAParentDirectoryEntry() throws Exception {
        assertHostileRefused(
                        tar -> {
                            directory(tar, "v1/");
                            TestBundles.addBytes(tar, "v1/../x", SOME_BYTES);
                        })
                .hasMessageContaining("archive member \"v1/../x\" has an unsafe path");
    }

    @Test
    void refusesAnAbsolutePath() throws Exception {
        assertHostileRefused(files("/tmp/v1/x"))
                .hasMessageContaining("archive member \"/tmp/v1/x\" has an unsafe path");
    }

    @Test
    void refusesASymbolicLink() throws Exception {
        assertHostileRefused(
                        tar -> {
                            directory(tar, "v1/");
                            link(tar, "v1/weights.bin", TarConstants.LF_SYMLINK, "/etc/passwd");
                        })
                .hasMessageContaining("\"v1/weights.bin\" is a symbolic link to \"/etc/passwd\"");
    }

    @Test
    void refusesAHardLink() throws Exception {
        assertHostileRefused(tar -> link(tar, "v1/weights.bin", TarConstants.LF_LINK, "v1/other"))
                .hasMessageContaining("is a hard link to \"v1/other\"");
    }

    @Test
    void refusesTwoTopDirectories() throws Exception {
        assertHostileRefused(files("v1/manifest.json", "v2/manifest.json"))
                .hasMessageContaining("more than one top directory (\"v1\" and \"v2\")");
    }

    @Test
    void refusesAFileBesideTheTopDirectory() throws Exception {
        assertHostileRefused(files("manifest.json"))
                .hasMessageContaining("\"manifest.json\" is outside the top directory");
    }

    @Test
    void refusesADuplicateEntry() throws Exception {
        assertHostileRefused(files("v1/weights.bin", "v1/weights.bin"))
                .hasMessageContaining("\"v1/weights.bin\" appears twice");
    }

    @Test
    void refusesAnEmptyArchive() throws Exception {
        assertHostileRefused(tar -> {}).hasMessageContaining("the archive is empty");
    }

    @Test
    void refusesATopDirectoryThatIsNotTheModelVersion() throws Exception {
        Path dir = TestBundles.copyDemoBundle(temp);
        Path archive = TestBundles.writeTarGz(dir, "latest", temp.resolve("latest.tar.gz"));
        assertRefused(() -> ModelBundle.open(archive, null, options), "latest.tar.gz")
                .hasMessageContaining(
                        "the archive's top directory \"latest\" is not the"
                                + " model_version \""
                                + dir.getFileName()
                                + "\"");
    }

    @Test
    void refusesATruncatedArchive() throws Exception {
        byte[] whole = Files.readAllBytes(archiveOf(TestBundles.copyDemoBundle(temp), ".tar.gz"));
        for (int keep : new int[] {whole.length / 2, whole.length - 4}) {
            Path cut = Files.write(temp.resolve("cut.tar.gz"), Arrays.copyOf(whole, keep));
            assertRefused(() -> ModelBundle.open(cut, null, options), "cut.tar.gz")
                    .hasMessageContaining("cannot read the archive, it is truncated or corrupt");
        }
    }

    @Test
    void refusesAFileThatIsNotGzip() throws Exception {
        Path archive = Files.writeString(temp.resolve("plain.tar.gz"), "not gzip at all");
        assertRefused(() -> ModelBundle.open(archive, null, options), "plain.tar.gz")
                .hasMessageContaining("cannot read the archive, it is truncated or corrupt");
    }

    @Test
    void refusesAnArchiveLargerThanTheLimit() throws Exception {
        Path archive = archiveOf(TestBundles.copyDemoBundle(temp), ".tar.gz");
        ExtractionOptions small = options.withMaxExtractedBytes(1 << 20);
        assertRefused(
                        () -> ModelBundle.open(archive, null, small),
                        archive.getFileName().toString())
                .hasMessageContaining("expands to more than 1048576 bytes, the extraction limit");
    }

    @Test
    void countsHeadersAndPaddingAgainstTheLimit() throws Exception {
        Path dir = TestBundles.copyDemoBundle(temp);
        Path archive = archiveOf(dir, ".tar.gz");
        // Every file's content fits; the tar stream (one 512-byte header per entry, contents
        // padded to 512 bytes, the end-of-archive blocks) does not.
        long contents = Files.size(dir.resolve("manifest.json"));
        for (JsonNode file : TestBundles.readManifest(dir).get("files")) {
            contents += file.get("bytes").asLong();
        }
        ExtractionOptions tight = options.withMaxExtractedBytes(contents);
        assertRefused(
                        () -> ModelBundle.open(archive, null, tight),
                        archive.getFileName().toString())
                .hasMessageContaining("expands to more than " + contents + " bytes");
    }

    /** The archive the exporter would write of {@code dir}: {@code <model_version><suffix>}. */
    private Path archiveOf(Path dir, String suffix) throws IOException {
        String version = dir.getFileName().toString();
        return TestBundles.writeTarGz(dir, version, temp.resolve(version + suffix));
    }

    private interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private Path archive(Entries entries) throws IOException {
        Path archive = temp.resolve("hostile.tar.gz");
        try (TarArchiveOutputStream tar = TestBundles.openTarGz(archive)) {
            entries.write(tar);
        }
        return archive;
    }

    /** Asserts that an archive of {@code entries} is refused; returns an assert on the refusal. */
    private AbstractThrowableAssert<?, ? extends Throwable> assertHostileRefused(Entries entries)
            throws IOException {
        Path archive = archive(entries);
        return assertRefused(() -> ModelBundle.open(archive, null, options), "hostile.tar.gz");
    }

    /** One small regular file per name, in order, each name kept as given. */
    private static Entries files(String... names) {
        return tar -> {
            for (String name : names) {
                TestBundles.addBytes(tar, name, SOME_BYTES);
            }
        };
    }

    private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        tar.putArchiveEntry(new TarArchiveEntry(name));
        tar.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream tar, String name, byte type, String target)
            throws IOException {
        TarArchiveEntry link = new TarArchiveEntry(name, type);
        link.setLinkName(target);
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
    }
}
