package dev.embsum.flink.internal.inference;

import dev.embsum.runtime.inference.EmbSumRuntime;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * An async operator that runs the model on micro-batches: records of this subtask are collected
 * by a {@link MicroBatcher} (up to {@code maxBatch}, waiting at most {@code maxWait}) and one
 * worker thread runs {@link #run} on each batch with the model the {@link ModelHolder} holds at
 * that moment. Subclasses only say how a batch becomes model input and output.
 *
 * <p>A failed batch fails its records, and with them the job (the restart strategy retries from
 * the last checkpoint): a model that cannot run is not a per-record problem.
 */
abstract class MicroBatchedModelFunction<IN, OUT> extends RichAsyncFunction<IN, OUT> {

    private static final long serialVersionUID = 1L;

    private final ModelOpener model;
    private final int maxBatch;
    private final Duration maxWait;
    private transient ModelHolder holder;
    private transient MicroBatcher<IN, OUT> batcher;

    MicroBatchedModelFunction(ModelOpener model, int maxBatch, Duration maxWait) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxWait = maxWait;
    }

    /** Names the batcher's worker thread, e.g. {@code user-refresh}. */
    abstract String workerName();

    /** One batch through {@code runtime}; one output per input, in input order. */
    abstract List<OUT> run(List<IN> batch, EmbSumRuntime runtime) throws Exception;

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder = new ModelHolder(model.openRuntime());
        batcher = new MicroBatcher<>(workerName() + "-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                maxBatch, maxWait, batch -> run(batch, holder.current()));
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
        batcher.submit(record).whenComplete((out, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(List.of(out));
            }
        });
    }
}
