package dev.embsum.flink.internal.inference;

import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.GoldenCheck;
import dev.embsum.runtime.inference.GoldenMismatchException;
import dev.embsum.runtime.inference.InferenceOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm-up gate of a model release (docs/model-bundle.md section 3, step 5): the bundle's
 * golden cases through the runtime that is about to serve, before it serves. It also warms the
 * ONNX Runtime sessions (first runs allocate and optimise).
 *
 * <p>The golden summaries were decoded with the bundle's own summary cap. A runtime with a
 * smaller cap ({@code inference.max-summary-tokens}, tests only) cannot reproduce them, so then
 * the check runs on a second runtime over the same verified files with the bundle's cap (the
 * graphs are the same; only the decoding loop stops earlier).
 */
final class GoldenWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(GoldenWarmUp.class);

    private GoldenWarmUp() {
    }

    /**
     * @param options the settings {@code runtime} was loaded with
     * @throws GoldenMismatchException when the runtime does not reproduce the golden vectors
     */
    static void run(EmbSumRuntime runtime, InferenceOptions options) throws Exception {
        GoldenCheck.Report report;
        if (runtime.summaryCap() == runtime.bundle().manifest().maxSummaryTokens()) {
            report = new GoldenCheck(runtime).run();
        } else {
            try (EmbSumRuntime full = EmbSumRuntime.load(runtime.bundle(),
                    options.withMaxSummaryTokens(0).withEncoderCacheBytes(0))) {
                report = new GoldenCheck(full).run();
            }
        }
        LOG.info("Model {} reproduces its golden vectors ({} users, {} items, max |diff| upe {} cpe {}) in {} ms",
                runtime.modelVersion(), report.users(), report.items(), report.upe(), report.cpe(), report.millis());
    }
}
