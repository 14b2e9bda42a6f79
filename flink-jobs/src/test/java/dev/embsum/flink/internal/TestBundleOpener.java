package dev.embsum.flink.internal;

import dev.embsum.flink.EmbSumOptions;
import dev.embsum.flink.internal.model.BundleOpener;
import dev.embsum.runtime.TestBundle;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/**
 * The test bundle's opener, made as the job makes it ({@link BundleOpener#of} a configuration): one
 * ONNX Runtime thread and summaries capped at 8 tokens, as in the job tests (a smaller cap than the
 * bundle's: the golden warm-up must still pass).
 */
public final class TestBundleOpener {

    private TestBundleOpener() {}

    /**
     * @param maxBatch {@code inference.max-batch}, also the decode batch
     * @param encoderCache {@code inference.encoder-cache}
     */
    public static BundleOpener of(int maxBatch, MemorySize encoderCache) {
        return BundleOpener.of(
                new Configuration()
                        .set(EmbSumOptions.BUNDLE_PATH, TestBundle.dir().toString())
                        .set(EmbSumOptions.INFERENCE_INTRA_OP_THREADS, 1)
                        .set(EmbSumOptions.INFERENCE_MAX_BATCH, maxBatch)
                        .set(EmbSumOptions.INFERENCE_ENCODER_CACHE, encoderCache)
                        .set(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS, 8));
    }
}
