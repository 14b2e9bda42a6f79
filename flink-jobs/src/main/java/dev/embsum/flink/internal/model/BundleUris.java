package dev.embsum.flink.internal.model;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * {@code ModelRelease.bundle_uri} → the local path the job opens. The job reads bundles from a file
 * system every TaskManager mounts: {@code file:///...} or a plain path (absolute is best: a
 * relative one resolves against each TaskManager's working directory). The schema also allows
 * {@code s3://} and {@code http(s)://}; the job does not download bundles yet and refuses those
 * with a message saying what to publish instead.
 */
public final class BundleUris {

    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:");

    private BundleUris() {}

    /**
     * @throws IllegalArgumentException for a blank uri, an unsupported scheme or a malformed file
     *     URI, with what to do instead
     */
    public static Path resolve(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("bundle_uri is blank");
        }
        if (!SCHEME.matcher(uri).find()) {
            try {
                return Path.of(uri);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException(
                        "bundle_uri \"" + uri + "\" is not a valid path: " + e.getMessage(), e);
            }
        }
        URI parsed;
        try {
            parsed = new URI(uri);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "bundle_uri \"" + uri + "\" is not a valid URI: " + e.getMessage(), e);
        }
        if (!"file".equalsIgnoreCase(parsed.getScheme())) {
            throw new IllegalArgumentException(
                    "bundle_uri scheme \""
                            + parsed.getScheme()
                            + "\" is not supported by this job (it does not download bundles yet): copy the"
                            + " bundle to a file system every TaskManager mounts and release it as"
                            + " file:///path or a plain path");
        }
        try {
            return Path.of(parsed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "bundle_uri \"" + uri + "\" is not an absolute file:/// URI: " + e.getMessage(),
                    e);
        }
    }
}
