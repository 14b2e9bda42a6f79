package dev.embsum.flink.internal.inference;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.flink.internal.Float32Bytes;
import dev.embsum.flink.internal.history.HistoryStates;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.UserRefresh;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Refresh requests → user embeddings, micro-batched across the users of this subtask
 * ({@link MicroBatcher}: up to {@code inference.max-batch} users, waiting at most
 * {@code inference.max-wait}) and run by one worker thread through
 * {@link EmbSumRuntime#refresh}, whose per-subtask encoder cache re-encodes only sessions that
 * changed. Used with {@code AsyncDataStream.unorderedWait}: results leave in completion order,
 * and the downstream {@code VersionGuard} restores per-user monotonicity.
 *
 * <p>A failed batch fails its requests, and with them the job (the restart strategy retries
 * from the last checkpoint): a model that cannot run is not a per-record problem.
 */
public final class UserRefreshFunction extends RichAsyncFunction<RefreshRequest, UserEmbedding> {

    private static final long serialVersionUID = 1L;

    private final ModelOpener model;
    private final int maxBatch;
    private final Duration maxWait;
    private transient ModelHolder holder;
    private transient MicroBatcher<RefreshRequest, UserEmbedding> batcher;

    public UserRefreshFunction(ModelOpener model, int maxBatch, Duration maxWait) {
        this.model = model;
        this.maxBatch = maxBatch;
        this.maxWait = maxWait;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        holder = new ModelHolder(model.openRuntime());
        batcher = new MicroBatcher<>("user-refresh-" + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                maxBatch, maxWait, this::refresh);
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
    public void asyncInvoke(RefreshRequest request, ResultFuture<UserEmbedding> result) {
        batcher.submit(request).whenComplete((embedding, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(List.of(embedding));
            }
        });
    }

    private List<UserEmbedding> refresh(List<RefreshRequest> batch) throws Exception {
        EmbSumRuntime runtime = holder.current();
        SessionGrouper grouper = new SessionGrouper(runtime.contract());
        List<List<Session>> users = new ArrayList<>(batch.size());
        for (RefreshRequest r : batch) {
            users.add(grouper.sessions(HistoryStates.toHistory(Math.max(1, r.getEntries().size()),
                    r.getEntries(), r.getNextSeq(), r.getHistoryVersion())));
        }
        List<UserRefresh> refreshed = runtime.refresh(users);
        Instant now = Instant.now();
        List<UserEmbedding> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(toEmbedding(batch.get(i), refreshed.get(i), runtime, now));
        }
        return out;
    }

    static UserEmbedding toEmbedding(RefreshRequest request, UserRefresh refresh, EmbSumRuntime runtime,
            Instant computedAt) {
        List<String> itemIds = new ArrayList<>(request.getEntries().size());
        for (HistoryEntryState e : request.getEntries()) {
            itemIds.add(e.getItemId());
        }
        return UserEmbedding.newBuilder()
                .setUserId(request.getUserId())
                .setModelVersion(runtime.modelVersion())
                .setHistoryVersion(request.getHistoryVersion())
                .setM(runtime.upeCodes())
                .setD(runtime.dim())
                .setUpe(Float32Bytes.pack(refresh.upe()))
                .setSummary(refresh.summary())
                .setHistoryItemIds(itemIds)
                .setLastEventTime(Instant.ofEpochMilli(request.getLastEventTimeMs()))
                .setComputedAt(computedAt)
                .build();
    }
}
