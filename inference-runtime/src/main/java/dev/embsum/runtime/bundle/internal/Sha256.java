package dev.embsum.runtime.bundle.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 of files, streamed through one reusable 1 MiB buffer: a multi-GB {@code weights.bin} is
 * hashed without being loaded. Not thread-safe; use one instance per thread.
 */
public final class Sha256 {

    private static final int BUFFER_BYTES = 1 << 20;

    private final MessageDigest digest = newDigest();
    private final byte[] buffer = new byte[BUFFER_BYTES];

    /** The digest of a file and the number of bytes it was computed over. */
    public record FileDigest(String sha256, long bytes) {}

    /**
     * Hashes the file's content as read now. The path must not be a symbolic link: bundles hold
     * regular files only, and a link could point anywhere.
     */
    public FileDigest file(Path file) throws IOException {
        digest.reset();
        long bytes = 0;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, read);
                bytes += read;
            }
        }
        return new FileDigest(HexFormat.of().formatHex(digest.digest()), bytes);
    }

    /** The lowercase hex SHA-256 of {@code data}. */
    public static String of(byte[] data) {
        return HexFormat.of().formatHex(newDigest().digest(data));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's documentation).
            throw new IllegalStateException(e);
        }
    }
}
