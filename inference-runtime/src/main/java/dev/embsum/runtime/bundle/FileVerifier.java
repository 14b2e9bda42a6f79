package dev.embsum.runtime.bundle;

import dev.embsum.runtime.bundle.internal.Sha256;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a bundle directory against its manifest (docs/model-bundle.md section 3, step 3): every
 * file listed in {@code files} exists as a regular file with exactly its size and SHA-256, and the
 * directory holds nothing else (manifest.json aside): no unlisted file, no symbolic link, no
 * special file.
 *
 * <p>Sizes are compared before anything is hashed, so a truncated file fails fast; hashing streams
 * every byte once through a 1 MiB buffer.
 */
final class FileVerifier {

    private final Path dir;
    private final BundleManifest manifest;
    private final String source;

    private FileVerifier(Path dir, BundleManifest manifest, String source) {
        this.dir = dir;
        this.manifest = manifest;
        this.source = source;
    }

    /**
     * @param source the bundle being opened, for error messages
     * @throws BundleException naming the first file that is missing, extra, of another size or with
     *     another checksum
     */
    static VerifyReport verify(Path dir, BundleManifest manifest, String source)
            throws BundleException {
        return new FileVerifier(dir, manifest, source).verify();
    }

    private VerifyReport verify() throws BundleException {
        long start = System.nanoTime();
        Map<String, BasicFileAttributes> present = walk();
        requireOnlyListedFiles(present);
        requireListedSizes(present);
        long bytes = requireListedChecksums();
        return new VerifyReport(
                manifest.files().size(), bytes, Duration.ofNanos(System.nanoTime() - start));
    }

    private void requireOnlyListedFiles(Map<String, BasicFileAttributes> present)
            throws BundleException {
        for (Map.Entry<String, BasicFileAttributes> file : present.entrySet()) {
            String name = file.getKey();
            BasicFileAttributes attributes = file.getValue();
            if (!attributes.isRegularFile()) {
                String what = attributes.isSymbolicLink() ? "a symbolic link" : "a special file";
                throw problem(
                        name, "is " + what + "; a bundle holds only regular files and directories");
            }
            if (!name.equals(BundleManifest.FILE) && !manifest.files().containsKey(name)) {
                throw problem(
                        name,
                        "is in the bundle but not listed in manifest.json files;"
                                + " remove it, or re-export the bundle");
            }
        }
    }

    private void requireListedSizes(Map<String, BasicFileAttributes> present)
            throws BundleException {
        for (Map.Entry<String, FileEntry> listed : manifest.files().entrySet()) {
            String name = listed.getKey();
            BasicFileAttributes attributes = present.get(name);
            if (attributes == null) {
                throw problem(name, "is missing from the bundle (listed in manifest.json files)");
            }
            if (attributes.size() != listed.getValue().bytes()) {
                throw problem(
                        name,
                        "is "
                                + attributes.size()
                                + " bytes, manifest.json says "
                                + listed.getValue().bytes()
                                + ": truncated or modified");
            }
        }
    }

    /** Returns the number of bytes hashed. */
    private long requireListedChecksums() throws BundleException {
        Sha256 sha256 = new Sha256();
        long bytes = 0;
        for (Map.Entry<String, FileEntry> listed : manifest.files().entrySet()) {
            String name = listed.getKey();
            FileEntry expected = listed.getValue();
            Sha256.FileDigest actual;
            try {
                actual = sha256.file(dir.resolve(name));
            } catch (IOException e) {
                throw new BundleException(source, name, "cannot be read: " + e, e);
            }
            if (actual.bytes() != expected.bytes()) {
                throw problem(
                        name,
                        "changed while being verified ("
                                + actual.bytes()
                                + " bytes read, "
                                + expected.bytes()
                                + " expected)");
            }
            if (!actual.sha256().equals(expected.sha256())) {
                throw problem(
                        name,
                        "sha256 "
                                + actual.sha256()
                                + " does not match manifest.json ("
                                + expected.sha256()
                                + "): the file was modified or damaged");
            }
            bytes += actual.bytes();
        }
        return bytes;
    }

    /** Everything below the directory but directories, by '/'-separated relative path. */
    private Map<String, BasicFileAttributes> walk() throws BundleException {
        Map<String, BasicFileAttributes> found = new TreeMap<>();
        try {
            // Symbolic links are not followed: they are reported as what they are.
            Files.walkFileTree(
                    dir,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(
                                Path file, BasicFileAttributes attributes) {
                            found.put(relative(file), attributes);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            String file =
                    e instanceof FileSystemException failed && failed.getFile() != null
                            ? relative(Path.of(failed.getFile()))
                            : "";
            throw new BundleException(
                    source, file.isEmpty() ? "." : file, "cannot be listed: " + e, e);
        }
        return found;
    }

    private String relative(Path file) {
        StringBuilder name = new StringBuilder();
        for (Path segment : dir.relativize(file)) {
            name.append(name.length() == 0 ? "" : "/").append(segment);
        }
        return name.toString();
    }

    private BundleException problem(String file, String problem) {
        return new BundleException(source, file, problem);
    }
}
