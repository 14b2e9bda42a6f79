package dev.embsum.flink.internal.model;

import dev.embsum.runtime.inference.EmbSumRuntime;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * Opens the model an operator runs. Serializable: the job builds it on the client and every subtask
 * opens its own model in {@code open()}. {@link BundleOpener} opens and verifies a bundle; a model
 * release (hot swap, {@link ModelSwap}) opens the next bundle through {@link #openRuntime(Path,
 * String)} and {@link #warmUp}.
 */
public interface ModelOpener extends Serializable {

    /** A ready runtime of the configured bundle; the caller owns it and must close it. */
    EmbSumRuntime openRuntime() throws Exception;

    /**
     * A released bundle, loaded with the same inference settings as {@link #openRuntime()}:
     * manifest.json must have SHA-256 {@code expectedManifestSha256} and every file its checksum.
     * The caller owns the runtime and must close it.
     *
     * @throws Exception naming the file when the bundle is missing or damaged
     */
    EmbSumRuntime openRuntime(Path bundle, String expectedManifestSha256) throws Exception;

    /**
     * The golden warm-up of a runtime this opener opened ({@link GoldenWarmUp}).
     *
     * @throws Exception naming the golden case the runtime does not reproduce
     */
    void warmUp(EmbSumRuntime runtime) throws Exception;

    /** The bundle's tokenizer and item formatter; the caller owns it and must close it. */
    ItemTokenizer openTokenizer() throws Exception;

    /** For logs and error messages. */
    String describe();
}
