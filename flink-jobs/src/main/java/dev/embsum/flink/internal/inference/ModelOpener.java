package dev.embsum.flink.internal.inference;

import dev.embsum.runtime.inference.EmbSumRuntime;
import java.io.Serializable;

/**
 * Opens the model an operator runs. Serializable: the job builds it on the client and every
 * subtask opens its own model in {@code open()}. {@link BundleOpener} opens and verifies a
 * bundle; a model release (hot swap) opens the next bundle through this interface too.
 */
public interface ModelOpener extends Serializable {

    /** A ready runtime; the caller owns it and must close it. */
    EmbSumRuntime openRuntime() throws Exception;

    /** The bundle's tokenizer and item formatter; the caller owns it and must close it. */
    ItemTokenizer openTokenizer() throws Exception;

    /** For logs and error messages. */
    String describe();
}
