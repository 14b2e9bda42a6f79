package dev.embsum.runtime.bundle;

import java.util.Objects;

/**
 * What manifest.json records for one file of the bundle ({@code files.<path>}).
 *
 * @param sha256 the file's SHA-256, 64 lowercase hex digits
 * @param bytes the file's exact size
 */
public record FileEntry(String sha256, long bytes) {

    public FileEntry {
        Objects.requireNonNull(sha256, "sha256");
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        }
    }
}
