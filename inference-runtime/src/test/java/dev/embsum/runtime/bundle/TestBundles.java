package dev.embsum.runtime.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.embsum.runtime.TestBundle;
import dev.embsum.runtime.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * The real bundle the tests open, and copies of it to damage. The bundle itself is never modified:
 * tests copy it into their own temporary directory first.
 */
final class TestBundles {

    static final ObjectMapper JSON = new ObjectMapper();

    private TestBundles() {}

    /**
     * The bundle under test: system property {@code embsum.test.bundle} if set, else the committed
     * demo bundle {@code <embsum.root>/models/demo}. Fails (never skips) if there is none.
     */
    static Path demoBundleDir() {
        return TestBundle.dir();
    }

    /** A copy of the demo bundle in {@code parent}, in a directory named by its model_version. */
    static Path copyDemoBundle(Path parent) throws IOException {
        Path source = demoBundleDir();
        Path target = parent.resolve(readManifest(source).get("model_version").asText());
        return TestFiles.copyTree(source, target);
    }

    static ObjectNode readManifest(Path bundleDir) throws IOException {
        return (ObjectNode) JSON.readTree(bundleDir.resolve(BundleManifest.FILE).toFile());
    }

    static void writeManifest(Path bundleDir, ObjectNode manifest) throws IOException {
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(bundleDir.resolve(BundleManifest.FILE).toFile(), manifest);
    }

    /**
     * Archives {@code bundleDir} as the Python exporter does: the top directory {@code top}, then
     * {@code top/manifest.json}, then everything else in sorted order.
     */
    static Path writeTarGz(Path bundleDir, String top, Path archive) throws IOException {
        List<Path> rest = new ArrayList<>();
        try (var paths = Files.walk(bundleDir)) {
            paths.filter(p -> !p.equals(bundleDir) && !p.equals(bundleDir.resolve("manifest.json")))
                    .sorted()
                    .forEach(rest::add);
        }
        try (TarArchiveOutputStream tar = openTarGz(archive)) {
            tar.putArchiveEntry(new TarArchiveEntry(top + "/"));
            tar.closeArchiveEntry();
            addFile(tar, top + "/manifest.json", bundleDir.resolve("manifest.json"));
            for (Path path : rest) {
                String name = top + "/" + bundleDir.relativize(path).toString().replace('\\', '/');
                if (Files.isDirectory(path)) {
                    tar.putArchiveEntry(new TarArchiveEntry(name + "/"));
                    tar.closeArchiveEntry();
                } else {
                    addFile(tar, name, path);
                }
            }
        }
        return archive;
    }

    /** A tar.gz writer; tests that craft hostile entries use it directly. */
    static TarArchiveOutputStream openTarGz(Path archive) throws IOException {
        GzipParameters fast = new GzipParameters();
        fast.setCompressionLevel(Deflater.BEST_SPEED);
        OutputStream out = Files.newOutputStream(archive);
        TarArchiveOutputStream tar =
                new TarArchiveOutputStream(new GzipCompressorOutputStream(out, fast));
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        return tar;
    }

    /** A regular file entry with {@code content}; {@code name} is kept as given, even "/x". */
    static void addBytes(TarArchiveOutputStream tar, String name, byte[] content)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static void addFile(TarArchiveOutputStream tar, String name, Path file)
            throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(Files.size(file));
        tar.putArchiveEntry(entry);
        Files.copy(file, tar);
        tar.closeArchiveEntry();
    }

    /**
     * Asserts that {@code open} throws a {@link BundleException} about {@code file} whose message
     * is {@code "bundle <source>: <file>: <problem>"}; returns an assert on it for the problem.
     */
    static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
            ThrowingCallable open, String file) {
        BundleException refusal = catchThrowableOfType(BundleException.class, open);
        assertThat(refusal).as("BundleException").isNotNull();
        assertThat(refusal.file()).isEqualTo(file);
        assertThat(refusal.getMessage())
                .isEqualTo("bundle " + refusal.source() + ": " + file + ": " + refusal.problem());
        return assertThat(refusal);
    }
}
