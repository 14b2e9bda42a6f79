package dev.embsum.flink.internal.batching;

import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.States;
import dev.embsum.flink.internal.model.ModelHolder;
import dev.embsum.flink.internal.model.ModelOpener;
import dev.embsum.flink.internal.model.ModelSwap;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.ExecutionProvider;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.util.function.SerializableFunction;

/**
 * An async operator that runs the model on micro-batches: records of this subtask are collected by
 * a {@link MicroBatcher} ({@link ModelBatching}) and one worker thread runs {@link #run} on each
 * batch with the model the {@link ModelHolder} holds at that moment. Subclasses only say how a
 * batch of requests becomes model input and output.
 *
 * <p>An input carries either a request or a model release (an Avro union of the two, e.g. {@code
 * ItemOrRelease}). Model releases arrive in-band that way: the release is queued behind the
 * requests that arrived before it and {@link ModelSwap} applies it on the worker between two
 * batches, so every later request runs on the new model (or, if the release is refused, on the old
 * one). Its result is the empty list.
 *
 * <p>State: {@code serving-release} (union operator ListState): the release this subtask serves,
 * none while it serves the configured bundle. A restored subtask opens the newest release any
 * subtask served (normally all serve the same), checksums verified, without a second golden
 * warm-up; if that bundle can no longer be opened the job fails with an error naming it, rather
 * than silently serving another model.
 *
 * <p>A failed batch fails its records, and with them the job (the restart strategy retries from the
 * last checkpoint): a model that cannot run is not a per-record problem.
 *
 * <p>Metrics: {@code modelVersion} (string), {@code modelReleasedAtMs} (released_at of the serving
 * release, 0 for the configured bundle), {@code modelReleasesAccepted}, {@code
 * modelReleasesRefused}, {@code batchSize} (histogram of records per model call) and {@code
 * batchFill} (mean batch size / max batch over the histogram's window), plus the subclass's ({@link
 * #registerMetrics}).
 */
abstract class MicroBatchedModelFunction<IN, REQ, OUT> extends RichAsyncFunction<IN, OUT>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    /** Batches the {@code batchSize} histogram keeps for its statistics. */
    private static final int BATCH_WINDOW = 1024;

    private final String workerName;
    private final ModelBatching batching;
    private final SerializableFunction<IN, VerifiedRelease> releaseOf;
    private final SerializableFunction<IN, REQ> requestOf;
    private transient ListState<VerifiedRelease> servingState;
    private transient VerifiedRelease restored;
    private transient ModelHolder holder;
    private transient ModelSwap swap;
    private transient MicroBatcher<REQ, OUT> batcher;

    /**
     * @param workerName names the batcher's worker thread, e.g. {@code user-refresh}
     * @param releaseOf the release an input carries, or null for an input that carries a request
     * @param requestOf the request an input that carries no release carries
     */
    MicroBatchedModelFunction(
            String workerName,
            ModelBatching batching,
            SerializableFunction<IN, VerifiedRelease> releaseOf,
            SerializableFunction<IN, REQ> requestOf) {
        this.workerName = workerName;
        this.batching = batching;
        this.releaseOf = releaseOf;
        this.requestOf = requestOf;
    }

    /** One batch of requests through {@code runtime}; one output per request, in batch order. */
    abstract List<OUT> run(List<REQ> batch, EmbSumRuntime runtime) throws Exception;

    /** Metrics beyond the common ones; {@code holder.peek()} is the model (null once closed). */
    void registerMetrics(MetricGroup metrics, ModelHolder holder) {}

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        servingState = States.unionList(context, "serving-release", VerifiedRelease.class);
        restored = null;
        for (VerifiedRelease r : servingState.get()) {
            if (restored == null || r.getReleasedAtMs() > restored.getReleasedAtMs()) {
                restored = r;
            }
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        VerifiedRelease serving = swap == null ? restored : swap.serving();
        servingState.update(serving == null ? List.of() : List.of(serving));
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        String subtask = getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks();
        ModelOpener model = batching.model();
        ModelHolder models =
                new ModelHolder(
                        restored == null ? model.openRuntime() : openRestored(restored), restored);
        holder = models;
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        ModelSwap swapper = new ModelSwap(model, models, subtask, metrics);
        swap = swapper;
        // gauges are read by the reporter thread, also while and after the operator closes
        metrics.gauge("modelVersion", swapper::servingVersion);
        // 1 when the serving model runs on CUDA, 0 on the CPU (also after a CUDA fallback): a GPU
        // TaskManager reading 0 is running 10x slower than planned (docs/operations.md, alerts).
        metrics.gauge(
                "inferenceOnGpu",
                () -> {
                    EmbSumRuntime serving = models.peek();
                    return serving != null && serving.provider() == ExecutionProvider.CUDA ? 1 : 0;
                });
        // numeric, for reporters that drop string gauges (Prometheus): 0 = the configured bundle
        metrics.gauge(
                "modelReleasedAtMs",
                () -> {
                    VerifiedRelease serving = swapper.serving();
                    return serving == null ? 0L : serving.getReleasedAtMs();
                });
        Histogram batchSizes =
                metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(BATCH_WINDOW));
        metrics.gauge(
                "batchFill",
                () ->
                        batchSizes.getCount() == 0
                                ? 0.0
                                : batchSizes.getStatistics().getMean() / batching.maxBatch());
        registerMetrics(metrics, models);
        batcher =
                new MicroBatcher<>(
                        workerName
                                + "-"
                                + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                        batching.maxBatch(),
                        batching.maxWait(),
                        batch -> {
                            batchSizes.update(batch.size());
                            return run(batch, models.current());
                        });
    }

    private EmbSumRuntime openRestored(VerifiedRelease release) {
        try {
            // no golden warm-up: the same bytes (sha256) passed it when they were swapped in, and
            // a failover should be quick; a change of model is what the warm-up gates
            return batching.model()
                    .openRuntime(Path.of(release.getBundlePath()), release.getBundleSha256());
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot serve model release "
                            + Releases.describe(release)
                            + ", which this operator served when the checkpoint was taken: "
                            + e.getMessage()
                            + ". Put that bundle back at "
                            + release.getBundlePath()
                            + " (the job will not silently"
                            + " serve another model), or start the job without this state",
                    e);
        }
    }

    @Override
    public void close() throws Exception {
        // the batcher first: it may be running a batch on the model
        if (batcher != null) {
            batcher.close();
            batcher = null;
        }
        if (holder != null) {
            holder.close();
            holder = null;
        }
    }

    @Override
    public void asyncInvoke(IN record, ResultFuture<OUT> result) {
        VerifiedRelease release = releaseOf.apply(record);
        if (release != null) {
            batcher.runBetweenBatches(() -> swap.apply(release))
                    .whenComplete(
                            (ignored, error) -> {
                                if (error != null) {
                                    result.completeExceptionally(error);
                                } else {
                                    result.complete(List.of());
                                }
                            });
            return;
        }
        batcher.submit(requestOf.apply(record))
                .whenComplete(
                        (out, error) -> {
                            if (error != null) {
                                result.completeExceptionally(error);
                            } else {
                                result.complete(List.of(out));
                            }
                        });
    }
}
