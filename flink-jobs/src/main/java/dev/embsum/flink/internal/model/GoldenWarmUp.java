package dev.embsum.flink.internal.model;

import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.GoldenCheck;
import dev.embsum.runtime.inference.GoldenMismatchException;
import dev.embsum.runtime.inference.InferenceOptions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The warm-up gate of a model release (docs/model-bundle.md section 3, step 5): the bundle's golden
 * cases through the runtime that is about to serve, before it serves. It also warms the ONNX
 * Runtime sessions (first runs allocate and optimise).
 *
 * <p>The golden summaries were decoded with the bundle's own summary cap. A runtime with a smaller
 * cap ({@code inference.max-summary-tokens}, tests only) cannot reproduce them, so then the check
 * runs on a second runtime over the same verified files with the bundle's cap (the graphs are the
 * same; only the decoding loop stops earlier).
 *
 * <p>Once per TaskManager: a bundle (identified by its manifest's SHA-256, which pins every file)
 * that passed on one execution provider in this JVM is not checked again by the other subtasks that
 * load it (both inference operators, every slot); subtasks that load it at the same time wait for
 * the first one's verdict. Only passes are remembered: a failure is checked again.
 */
final class GoldenWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(GoldenWarmUp.class);

    private static final ConcurrentHashMap<String, Object> LOCKS = new ConcurrentHashMap<>();
    private static final Set<String> PASSED = ConcurrentHashMap.newKeySet();

    private GoldenWarmUp() {}

    /**
     * @param options the settings {@code runtime} was loaded with
     * @throws GoldenMismatchException when the runtime does not reproduce the golden vectors
     */
    static void run(EmbSumRuntime runtime, InferenceOptions options) throws Exception {
        String key = runtime.bundle().manifestSha256() + "@" + runtime.provider();
        synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
            if (PASSED.contains(key)) {
                LOG.info(
                        "Model {} reproduced its golden vectors on {} in this TaskManager before; not checked again",
                        runtime.modelVersion(),
                        runtime.provider());
                return;
            }
            check(runtime, options);
            PASSED.add(key);
        }
    }

    private static void check(EmbSumRuntime runtime, InferenceOptions options) throws Exception {
        GoldenCheck.Report report;
        if (runtime.summaryCap() == runtime.bundle().manifest().maxSummaryTokens()) {
            report = new GoldenCheck(runtime).run();
        } else {
            try (EmbSumRuntime full =
                    EmbSumRuntime.load(
                            runtime.bundle(),
                            options.withMaxSummaryTokens(0).withEncoderCacheBytes(0))) {
                report = new GoldenCheck(full).run();
            }
        }
        LOG.info(
                "Model {} reproduces its golden vectors ({} users, {} items, max |diff| upe {} cpe {}) in {} ms",
                runtime.modelVersion(),
                report.users(),
                report.items(),
                report.upe(),
                report.cpe(),
                report.millis());
    }
}
