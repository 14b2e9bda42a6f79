package dev.embsum.runtime.bundle;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How {@link ModelBundle#open(Path, String, ExtractionOptions)} extracts a {@code .tar.gz} bundle.
 * Directory bundles ignore these options.
 *
 * @param tempParent the directory in which each archive gets a fresh temporary directory (removed
 *     again by {@link ModelBundle#close()}); on a Flink TaskManager, one of its {@code io.tmp.dirs}
 * @param maxExtractedBytes the most bytes an archive may expand to (its uncompressed tar stream); a
 *     larger one is refused before it can fill the disk
 */
public record ExtractionOptions(Path tempParent, long maxExtractedBytes) {

    /** The default limit, 4 GiB: four times a bundle of T5-base size (0.9 GB of float32). */
    public static final long DEFAULT_MAX_EXTRACTED_BYTES = 4L << 30;

    public ExtractionOptions {
        Objects.requireNonNull(tempParent, "tempParent");
        if (maxExtractedBytes < 1) {
            throw new IllegalArgumentException(
                    "maxExtractedBytes must be >= 1, got " + maxExtractedBytes);
        }
    }

    /** The JVM's temporary directory ({@code java.io.tmpdir}) and the 4 GiB limit. */
    public static ExtractionOptions defaults() {
        return new ExtractionOptions(
                Path.of(System.getProperty("java.io.tmpdir")), DEFAULT_MAX_EXTRACTED_BYTES);
    }

    /** A copy that extracts under {@code dir}. */
    public ExtractionOptions withTempParent(Path dir) {
        return new ExtractionOptions(dir, maxExtractedBytes);
    }

    /** A copy with another extraction limit. */
    public ExtractionOptions withMaxExtractedBytes(long bytes) {
        return new ExtractionOptions(tempParent, bytes);
    }
}
