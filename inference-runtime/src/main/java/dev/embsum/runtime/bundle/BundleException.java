package dev.embsum.runtime.bundle;

import java.util.Objects;

/**
 * A model bundle is missing, damaged or inconsistent (docs/model-bundle.md section 3).
 *
 * <p>Every problem names the file it is about, so that a log line alone says which file to look at:
 * a bundle-relative path ({@code weights.bin}, {@code golden/index.json}), {@code manifest.json},
 * or the archive's file name for a problem with the archive itself. The message is {@code "bundle
 * <source>: <file>: <problem>"}, where the source is the directory or archive that was opened.
 *
 * <p>Checked on purpose: a new model arrives at runtime (a {@code ModelRelease}), and a caller must
 * decide what happens when it is refused, normally to keep serving the previous model.
 */
public class BundleException extends Exception {

    private final String source;
    private final String file;
    private final String problem;

    /**
     * @param source the bundle directory or archive being opened, as given by the caller
     * @param file the file the problem is about, relative to the bundle, or the archive's name
     * @param problem what is wrong and, where it is obvious, how to fix it
     */
    public BundleException(String source, String file, String problem) {
        this(source, file, problem, null);
    }

    /** As {@link #BundleException(String, String, String)}, with the exception that caused it. */
    public BundleException(String source, String file, String problem, Throwable cause) {
        super("bundle " + source + ": " + file + ": " + problem, cause);
        this.source = Objects.requireNonNull(source, "source");
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The bundle directory or archive being opened. */
    public String source() {
        return source;
    }

    /** The bundle-relative file the problem is about, or the archive's name. */
    public String file() {
        return file;
    }

    /** What is wrong, without the source and file prefix. */
    public String problem() {
        return problem;
    }
}
