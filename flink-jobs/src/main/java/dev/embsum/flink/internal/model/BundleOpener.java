package dev.embsum.flink.internal.model;

import dev.embsum.flink.EmbSumOptions;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.ExecutionProvider;
import dev.embsum.runtime.inference.InferenceOptions;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;

/**
 * Opens a model bundle (directory or .tar.gz) with {@link EmbSumRuntime#open}, which verifies every
 * checksum of the manifest before anything is loaded (dev.embsum.runtime.bundle.ModelBundle).
 */
public final class BundleOpener implements ModelOpener {

    private static final long serialVersionUID = 1L;

    private final String bundleDir;
    private final int intraOpThreads;
    private final int maxDecodeBatch;
    private final long encoderCacheBytes;
    private final int maxSummaryTokens;
    private final ExecutionProvider provider;
    private final int cudaDevice;

    private BundleOpener(Configuration config) {
        bundleDir = config.get(EmbSumOptions.BUNDLE_PATH);
        intraOpThreads = config.get(EmbSumOptions.INFERENCE_INTRA_OP_THREADS);
        maxDecodeBatch = config.get(EmbSumOptions.INFERENCE_MAX_BATCH);
        encoderCacheBytes = config.get(EmbSumOptions.INFERENCE_ENCODER_CACHE).getBytes();
        maxSummaryTokens = config.get(EmbSumOptions.INFERENCE_MAX_SUMMARY_TOKENS);
        provider = config.get(EmbSumOptions.INFERENCE_EXECUTION_PROVIDER);
        cudaDevice = config.get(EmbSumOptions.INFERENCE_CUDA_DEVICE);
    }

    /**
     * The bundle and inference settings of a job configuration: the values, not the whole
     * configuration, travel with the operators (it may hold Kafka secrets).
     */
    public static BundleOpener of(Configuration config) {
        return new BundleOpener(config);
    }

    /** The runtime options this opener applies (InferenceOptions is not serializable). */
    public InferenceOptions options() {
        return InferenceOptions.defaults()
                .withProvider(provider, cudaDevice)
                .withIntraOpThreads(intraOpThreads)
                .withMaxDecodeBatch(maxDecodeBatch)
                .withEncoderCacheBytes(encoderCacheBytes)
                .withMaxSummaryTokens(maxSummaryTokens);
    }

    @Override
    public EmbSumRuntime openRuntime() throws Exception {
        return EmbSumRuntime.open(Path.of(bundleDir), options());
    }

    @Override
    public EmbSumRuntime openRuntime(Path bundle, String expectedManifestSha256) throws Exception {
        return EmbSumRuntime.open(bundle, expectedManifestSha256, options());
    }

    @Override
    public void warmUp(EmbSumRuntime runtime) throws Exception {
        GoldenWarmUp.run(runtime, options());
    }

    @Override
    public ItemTokenizer openTokenizer() throws Exception {
        return ItemTokenizer.open(Path.of(bundleDir));
    }

    @Override
    public String describe() {
        return "bundle " + Path.of(bundleDir).toAbsolutePath();
    }
}
