package dev.embsum.runtime.bundle;

import java.time.Duration;
import java.util.Objects;

/**
 * What checking a bundle's files cost (docs/model-bundle.md section 3, step 3): every file listed
 * in manifest.json was found with its size and SHA-256, and no other file was found.
 *
 * @param files the number of files checked (manifest.json not included)
 * @param bytes their total size, all of it read and hashed
 * @param duration wall time of the check: the directory walk and the hashing
 */
public record VerifyReport(int files, long bytes, Duration duration) {

    public VerifyReport {
        Objects.requireNonNull(duration, "duration");
    }
}
