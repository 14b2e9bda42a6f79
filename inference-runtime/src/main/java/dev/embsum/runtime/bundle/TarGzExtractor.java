package dev.embsum.runtime.bundle;

import dev.embsum.runtime.bundle.internal.BundlePaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts a bundle archive ({@code .tar.gz}) into an empty directory, refusing anything but
 * regular files and directories under exactly one top directory (docs/model-bundle.md section 3,
 * step 1): no absolute paths, no {@code ..}, no links or devices, no duplicate entries.
 *
 * <p>The archive is untrusted input, so extraction is bounded: at most {@code maxBytes} of
 * uncompressed tar stream (a small archive must not fill the disk) and at most {@link #MAX_ENTRIES}
 * entries (nor exhaust its inodes). Any error while reading means the archive is truncated or
 * corrupt; an error while writing is reported as such. Every failure names the archive. The caller
 * owns the destination and deletes it when extraction fails.
 */
final class TarGzExtractor {

    /** The most entries an archive may hold; a bundle has about twenty. */
    static final int MAX_ENTRIES = 10_000;

    private static final int BUFFER_BYTES = 1 << 20;

    private final Path archive;
    private final String archiveName;
    private final Path destination;
    private final long maxBytes;
    private final String source;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private final Set<String> seen = new HashSet<>();
    private String top;
    private long declaredBytes;

    private TarGzExtractor(Path archive, Path destination, long maxBytes, String source) {
        this.archive = archive;
        this.archiveName = archive.getFileName().toString();
        this.destination = destination;
        this.maxBytes = maxBytes;
        this.source = source;
    }

    /**
     * Extracts {@code archive} into {@code destination}, an existing empty directory.
     *
     * @param maxBytes the most uncompressed bytes (the tar stream: headers and contents)
     * @param source the bundle being opened, for error messages
     * @return the archive's top directory inside {@code destination}
     * @throws BundleException naming the archive's file name
     */
    static Path extract(Path archive, Path destination, long maxBytes, String source)
            throws BundleException {
        return new TarGzExtractor(archive, destination, maxBytes, source).extract();
    }

    private Path extract() throws BundleException {
        InputStream file;
        try {
            file = Files.newInputStream(archive);
        } catch (IOException e) {
            throw refused("cannot open the archive: " + e, e);
        }
        // nextEntry and readSome turn read errors into BundleExceptions and writeFile reports
        // write errors itself, so an IOException caught here comes from reading the gzip
        // header or from closing: the archive is unreadable.
        try (file;
                GzipCompressorInputStream gzip =
                        new GzipCompressorInputStream(new BufferedInputStream(file));
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            for (TarArchiveEntry entry; (entry = nextEntry(tar, gzip)) != null; ) {
                extractEntry(entry, tar, gzip);
            }
            // Read up to the gzip trailer, whose CRC and length catch a damaged or cut-off end.
            while (readSome(gzip, gzip) >= 0) {
                // Tar end-of-archive padding: nothing to keep.
            }
        } catch (IOException e) {
            throw corrupt(e);
        }
        if (top == null) {
            throw refused(
                    "the archive is empty; expected one top directory named like the"
                            + " model_version");
        }
        return destination.resolve(top);
    }

    private void extractEntry(
            TarArchiveEntry entry, TarArchiveInputStream tar, GzipCompressorInputStream gzip)
            throws BundleException {
        if (seen.size() == MAX_ENTRIES) {
            throw refused(
                    "the archive holds more than "
                            + MAX_ENTRIES
                            + " entries; a bundle"
                            + " has a few dozen");
        }
        String name = entry.getName();
        // isFile() also answers true for links and devices: the type flag decides.
        byte type = entry.getLinkFlag();
        boolean directory = type == TarConstants.LF_DIR;
        boolean regular =
                (type == TarConstants.LF_NORMAL || type == TarConstants.LF_OLDNORM)
                        && !name.endsWith("/");
        String path = directory && name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        if (!BundlePaths.isSafeRelative(path)) {
            throw refused(
                    "archive member \""
                            + name
                            + "\" has an unsafe path (absolute, or with"
                            + " an empty, '.' or '..' segment)");
        }
        if (!regular && !directory) {
            throw refused(
                    "archive member \""
                            + name
                            + "\" is "
                            + describeType(entry)
                            + "; a bundle archive holds only regular files and directories");
        }
        int slash = path.indexOf('/');
        String entryTop = slash < 0 ? path : path.substring(0, slash);
        if (slash < 0 && regular) {
            throw refused(
                    "archive member \""
                            + name
                            + "\" is outside the top directory; the"
                            + " archive must hold exactly one directory, named like the model_version");
        }
        if (top == null) {
            top = entryTop;
        } else if (!top.equals(entryTop)) {
            throw refused(
                    "the archive holds more than one top directory (\""
                            + top
                            + "\" and \""
                            + entryTop
                            + "\"); it must hold exactly one, named like the model_version");
        }
        if (!seen.add(path)) {
            throw refused("archive member \"" + path + "\" appears twice");
        }
        // Refuse before writing what the header announces: the sizes are known up front.
        if (entry.getSize() > maxBytes - declaredBytes) {
            throw tooLarge();
        }
        declaredBytes += entry.getSize();

        Path target = destination.resolve(path);
        try {
            Files.createDirectories(directory ? target : target.getParent());
        } catch (IOException e) {
            throw cannotWrite(name, e);
        }
        if (regular) {
            writeFile(name, target, tar, gzip);
        }
    }

    private void writeFile(
            String name, Path target, TarArchiveInputStream tar, GzipCompressorInputStream gzip)
            throws BundleException {
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            for (int read; (read = readSome(tar, gzip)) >= 0; ) {
                out.write(buffer, 0, read);
            }
        } catch (IOException e) {
            throw cannotWrite(name, e);
        }
    }

    private TarArchiveEntry nextEntry(TarArchiveInputStream tar, GzipCompressorInputStream gzip)
            throws BundleException {
        try {
            TarArchiveEntry entry = tar.getNextEntry();
            checkUncompressed(gzip);
            return entry;
        } catch (IOException e) {
            throw corrupt(e);
        }
    }

    /** One read into the buffer; -1 at the end. */
    private int readSome(InputStream in, GzipCompressorInputStream gzip) throws BundleException {
        try {
            int read = in.read(buffer);
            checkUncompressed(gzip);
            return read;
        } catch (IOException e) {
            throw corrupt(e);
        }
    }

    /** The stream's real size counts too: headers, padding, and whatever follows the tar end. */
    private void checkUncompressed(GzipCompressorInputStream gzip) throws BundleException {
        if (gzip.getUncompressedCount() > maxBytes) {
            throw tooLarge();
        }
    }

    private static String describeType(TarArchiveEntry entry) {
        if (entry.isSymbolicLink()) {
            return "a symbolic link to \"" + entry.getLinkName() + "\"";
        }
        if (entry.isLink()) {
            return "a hard link to \"" + entry.getLinkName() + "\"";
        }
        if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            return "a device";
        }
        if (entry.isFIFO()) {
            return "a FIFO";
        }
        return "of tar type '" + (char) entry.getLinkFlag() + "'";
    }

    private BundleException tooLarge() {
        return refused(
                "the archive expands to more than "
                        + maxBytes
                        + " bytes, the extraction"
                        + " limit; refused so that an archive bomb cannot fill the disk (raise the limit"
                        + " if the bundle really is that large)");
    }

    private BundleException corrupt(IOException e) {
        return refused("cannot read the archive, it is truncated or corrupt (" + e + ")", e);
    }

    private BundleException cannotWrite(String name, IOException e) {
        return refused("cannot extract \"" + name + "\" to " + destination + ": " + e, e);
    }

    private BundleException refused(String problem) {
        return new BundleException(source, archiveName, problem);
    }

    private BundleException refused(String problem, Throwable cause) {
        return new BundleException(source, archiveName, problem, cause);
    }
}
