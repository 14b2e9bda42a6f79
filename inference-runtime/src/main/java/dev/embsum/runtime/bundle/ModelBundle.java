package dev.embsum.runtime.bundle;

import dev.embsum.runtime.bundle.internal.Directories;
import dev.embsum.runtime.bundle.internal.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model bundle that was opened and verified (docs/model-bundle.md sections 1-3): a directory, or
 * a {@code .tar.gz} extracted to a temporary directory that {@link #close()} removes.
 *
 * <p>{@link #open(Path, String, ExtractionOptions)} works in the contract's order and returns
 * nothing before everything passed:
 *
 * <ol>
 *   <li>an archive is extracted: regular files and directories only, under exactly one top
 *       directory, no absolute paths or {@code ..}, bounded in size;
 *   <li>the SHA-256 of manifest.json equals the expected one ({@code ModelRelease.bundle_sha256}),
 *       when one is given;
 *   <li>manifest.json is parsed and validated ({@link BundleManifest}); an archive's top directory
 *       must be named like its {@code model_version};
 *   <li>every file listed in {@code files} exists with its exact size and SHA-256, and no other
 *       file exists ({@link #verifyReport()} says how long that took);
 *   <li>the tokenizer's SHA-256 equals {@code tokenizer.sha256}.
 * </ol>
 *
 * <p>Creating the ONNX Runtime sessions and the golden warm-up (steps 4 and 5) build on this class.
 * Every failure is a {@link BundleException} naming the file. Immutable and thread-safe; the files
 * stay valid until {@link #close()}.
 */
public final class ModelBundle implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelBundle.class);

    /** A manifest is a few tens of KB; anything far larger is not one. */
    private static final int MAX_MANIFEST_BYTES = 16 << 20;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    private final Path extractedTo;
    private final BundleManifest manifest;
    private final String manifestSha256;
    private final VerifyReport verifyReport;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ModelBundle(
            Path dir,
            Path extractedTo,
            BundleManifest manifest,
            String manifestSha256,
            VerifyReport verifyReport) {
        this.dir = dir;
        this.extractedTo = extractedTo;
        this.manifest = manifest;
        this.manifestSha256 = manifestSha256;
        this.verifyReport = verifyReport;
    }

    /** Opens and verifies a bundle without a known manifest checksum. */
    public static ModelBundle open(Path bundle) throws BundleException {
        return open(bundle, null);
    }

    /**
     * Opens and verifies a bundle, extracting an archive under {@code java.io.tmpdir} with the
     * default size limit.
     *
     * @see #open(Path, String, ExtractionOptions)
     */
    public static ModelBundle open(Path bundle, String expectedManifestSha256)
            throws BundleException {
        return open(bundle, expectedManifestSha256, ExtractionOptions.defaults());
    }

    /**
     * Opens and verifies a bundle.
     *
     * @param bundle a bundle directory, or a {@code .tar.gz} / {@code .tgz} archive holding one
     * @param expectedManifestSha256 the SHA-256 that manifest.json must have (hex, as in {@code
     *     ModelRelease.bundle_sha256}), or {@code null} not to check it
     * @param options where and how far an archive may be extracted
     * @throws BundleException naming the file, if anything is missing, damaged or inconsistent; a
     *     temporary directory is removed again before it is thrown
     */
    public static ModelBundle open(
            Path bundle, String expectedManifestSha256, ExtractionOptions options)
            throws BundleException {
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(options, "options");
        String source = bundle.toString();
        String expectedSha256 = expectedSha256(expectedManifestSha256, source);
        if (Files.isDirectory(bundle)) {
            Path dir;
            try {
                // The bundle path itself may be a link (models/current -> models/v3); nothing
                // inside it may.
                dir = bundle.toRealPath();
            } catch (IOException e) {
                throw new BundleException(source, ".", "cannot be resolved: " + e, e);
            }
            return load(dir, null, null, source, expectedSha256);
        }
        String name = bundle.getFileName().toString();
        if (!Files.exists(bundle)) {
            throw new BundleException(
                    source,
                    name,
                    "does not exist; expected a bundle directory or a .tar.gz archive");
        }
        if (!Files.isRegularFile(bundle) || !isArchiveName(name)) {
            throw new BundleException(
                    source,
                    name,
                    "is not a bundle: expected a directory or a"
                            + " file ending in .tar.gz or .tgz");
        }
        return extractAndLoad(bundle, name, source, expectedSha256, options);
    }

    /** The bundle directory: the one given, or the archive's extracted top directory. */
    public Path dir() {
        return dir;
    }

    /** The validated manifest.json. */
    public BundleManifest manifest() {
        return manifest;
    }

    /** The SHA-256 of manifest.json: the bundle's identity ({@code ModelRelease.bundle_sha256}). */
    public String manifestSha256() {
        return manifestSha256;
    }

    /** The manifest's {@code model_version}. */
    public String modelVersion() {
        return manifest.modelVersion();
    }

    /** How many files and bytes were checked, and how long it took. */
    public VerifyReport verifyReport() {
        return verifyReport;
    }

    /**
     * The path of a verified file of the bundle.
     *
     * @param relativeFile manifest.json or a path listed in its {@code files}, e.g. {@code
     *     golden/index.json}; such paths never leave the bundle directory
     * @throws IllegalArgumentException for any other path, such as {@code ../etc/passwd}
     */
    public Path resolve(String relativeFile) {
        if (!relativeFile.equals(BundleManifest.FILE)
                && !manifest.files().containsKey(relativeFile)) {
            throw new IllegalArgumentException(
                    "\""
                            + relativeFile
                            + "\" is not a file of bundle "
                            + modelVersion()
                            + ": only manifest.json and the files it lists resolve");
        }
        return dir.resolve(relativeFile);
    }

    /**
     * The path of a graph's {@code .onnx} file. Create its ONNX Runtime session from this path,
     * never from bytes, so that the runtime finds {@code weights.bin} next to it.
     *
     * @param graphName a key of {@code onnx.graphs}, e.g. {@code decoder_step}
     * @throws IllegalArgumentException for an unknown graph name
     */
    public Path graphPath(String graphName) {
        GraphSpec graph = manifest.graphs().get(graphName);
        if (graph == null) {
            throw new IllegalArgumentException(
                    "bundle "
                            + modelVersion()
                            + " has no graph \""
                            + graphName
                            + "\" (it has "
                            + manifest.graphs().keySet()
                            + ")");
        }
        return resolve(graph.file());
    }

    /**
     * Removes the temporary directory an archive was extracted to; a directory bundle is left as it
     * is. Idempotent. A failure to remove is logged, not thrown: the model has been used, only disk
     * space is at stake.
     */
    @Override
    public void close() {
        if (extractedTo != null && closed.compareAndSet(false, true)) {
            deleteExtracted(extractedTo);
        }
    }

    private static ModelBundle extractAndLoad(
            Path archive,
            String archiveName,
            String source,
            String expectedSha256,
            ExtractionOptions options)
            throws BundleException {
        Path extractedTo;
        try {
            Files.createDirectories(options.tempParent());
            extractedTo = Files.createTempDirectory(options.tempParent(), "embsum-bundle-");
        } catch (IOException e) {
            throw new BundleException(
                    source,
                    archiveName,
                    "cannot create a temporary directory"
                            + " under "
                            + options.tempParent()
                            + " to extract it to: "
                            + e,
                    e);
        }
        boolean opened = false;
        try {
            long start = System.nanoTime();
            Path top =
                    TarGzExtractor.extract(
                            archive, extractedTo, options.maxExtractedBytes(), source);
            LOG.info(
                    "Extracted model bundle {} to {} in {} ms",
                    source,
                    top,
                    Duration.ofNanos(System.nanoTime() - start).toMillis());
            ModelBundle bundle = load(top, archiveName, extractedTo, source, expectedSha256);
            opened = true;
            return bundle;
        } finally {
            if (!opened) {
                deleteExtracted(extractedTo);
            }
        }
    }

    /**
     * Steps 2 to 5 on a bundle directory; {@code archiveName} and {@code extractedTo} are null
     * unless it was extracted from an archive.
     */
    private static ModelBundle load(
            Path dir, String archiveName, Path extractedTo, String source, String expectedSha256)
            throws BundleException {
        byte[] manifestBytes = readManifest(dir, source);
        String manifestSha256 = Sha256.of(manifestBytes);
        if (expectedSha256 != null && !expectedSha256.equals(manifestSha256)) {
            throw new BundleException(
                    source,
                    BundleManifest.FILE,
                    "sha256 is "
                            + manifestSha256
                            + ", expected "
                            + expectedSha256
                            + " (ModelRelease.bundle_sha256): this is"
                            + " another or a modified bundle");
        }
        BundleManifest manifest = BundleManifest.parse(manifestBytes, source);
        String top = dir.getFileName().toString();
        if (archiveName != null && !top.equals(manifest.modelVersion())) {
            throw new BundleException(
                    source,
                    archiveName,
                    "the archive's top directory \""
                            + top
                            + "\" is not the model_version \""
                            + manifest.modelVersion()
                            + "\" of its manifest.json");
        }

        VerifyReport report = FileVerifier.verify(dir, manifest, source);

        String tokenizerSha256 = manifest.files().get(manifest.tokenizerFile()).sha256();
        if (!tokenizerSha256.equals(manifest.tokenizerSha256())) {
            throw new BundleException(
                    source,
                    BundleManifest.FILE,
                    "tokenizer.sha256 is "
                            + manifest.tokenizerSha256()
                            + " but "
                            + manifest.tokenizerFile()
                            + " has sha256 "
                            + tokenizerSha256
                            + "; the manifest contradicts itself");
        }
        LOG.info(
                "Opened model bundle {}: model_version {}, {} files, {} MiB verified in {} ms",
                source,
                manifest.modelVersion(),
                report.files(),
                report.bytes() >> 20,
                report.duration().toMillis());
        if (manifest.untrained()) {
            LOG.warn(
                    "Model bundle {} ({}) is untrained (random weights): for tests and demos"
                            + " only, never serve it in production",
                    source,
                    manifest.modelVersion());
        }
        return new ModelBundle(dir, extractedTo, manifest, manifestSha256, report);
    }

    private static byte[] readManifest(Path dir, String source) throws BundleException {
        Path file = dir.resolve(BundleManifest.FILE);
        try {
            BasicFileAttributes attributes =
                    Files.readAttributes(
                            file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                throw new BundleException(source, BundleManifest.FILE, "is not a regular file");
            }
            byte[] content;
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                content = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            }
            if (content.length > MAX_MANIFEST_BYTES) {
                throw new BundleException(
                        source,
                        BundleManifest.FILE,
                        "is larger than "
                                + MAX_MANIFEST_BYTES
                                + " bytes, far more than any manifest");
            }
            return content;
        } catch (NoSuchFileException e) {
            throw new BundleException(
                    source,
                    BundleManifest.FILE,
                    "is missing: a bundle holds" + " manifest.json at its top, next to the graphs",
                    e);
        } catch (IOException e) {
            throw new BundleException(source, BundleManifest.FILE, "cannot be read: " + e, e);
        }
    }

    private static String expectedSha256(String expected, String source) throws BundleException {
        if (expected == null) {
            return null;
        }
        String hex = expected.toLowerCase(Locale.ROOT);
        if (!SHA256_HEX.matcher(hex).matches()) {
            throw new BundleException(
                    source,
                    BundleManifest.FILE,
                    "the expected sha256 \""
                            + expected
                            + "\" is not 64 hex digits; check ModelRelease.bundle_sha256");
        }
        return hex;
    }

    private static boolean isArchiveName(String name) {
        return name.endsWith(".tar.gz") || name.endsWith(".tgz");
    }

    private static void deleteExtracted(Path extractedTo) {
        try {
            Directories.deleteRecursively(extractedTo);
        } catch (IOException e) {
            LOG.warn("Could not remove the extracted model bundle {}", extractedTo, e);
        }
    }
}
