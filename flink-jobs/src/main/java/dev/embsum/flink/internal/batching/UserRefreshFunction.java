package dev.embsum.flink.internal.batching;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.HistoryEntryState;
import dev.embsum.avro.state.RefreshOrRelease;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.flink.internal.Float32Bytes;
import dev.embsum.flink.internal.history.HistoryStates;
import dev.embsum.flink.internal.model.ModelHolder;
import dev.embsum.flink.internal.ordering.TimedEmbedding;
import dev.embsum.runtime.inference.EmbSumRuntime;
import dev.embsum.runtime.inference.UserRefresh;
import dev.embsum.runtime.text.Session;
import dev.embsum.runtime.text.SessionGrouper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.MetricGroup;

/**
 * Refresh requests → user embeddings, micro-batched across the users of this subtask ({@link
 * MicroBatcher}: up to {@code inference.max-batch} users, waiting at most {@code
 * inference.max-wait}) and run by one worker thread through {@link EmbSumRuntime#refresh}, whose
 * per-subtask encoder cache re-encodes only sessions that changed. Used with {@code
 * AsyncDataStream.unorderedWait}: results leave in completion order, and the downstream {@code
 * VersionGuard} restores per-user monotonicity. Model releases arrive in-band ({@code
 * RefreshOrRelease.release}, from {@code RefreshWithReleases}) and swap the model between two
 * batches; users are re-embedded by the new model on their next refresh, or by the backfill
 * (requests like any other, paced upstream). Each embedding leaves tagged with its request's {@code
 * first_pending_at_ms} and {@code backfill} ({@link TimedEmbedding}) for the version guard's click
 * → emit latency metric.
 *
 * <p>Metrics beyond the common ones: {@code encoderCacheHitRate} (hits / lookups of the session
 * encoder cache since the serving model was loaded; a swap starts a new cache) and {@code
 * encoderCacheBytes}.
 *
 * <p>A failed batch fails its requests, and with them the job (the restart strategy retries from
 * the last checkpoint): a model that cannot run is not a per-record problem.
 */
public final class UserRefreshFunction
        extends MicroBatchedModelFunction<RefreshOrRelease, RefreshRequest, TimedEmbedding> {

    private static final long serialVersionUID = 1L;

    public UserRefreshFunction(ModelBatching batching) {
        super("user-refresh", batching, RefreshOrRelease::getRelease, RefreshOrRelease::getRequest);
    }

    @Override
    void registerMetrics(MetricGroup metrics, ModelHolder holder) {
        metrics.gauge(
                "encoderCacheHitRate",
                () -> {
                    EmbSumRuntime runtime = holder.peek();
                    return runtime == null ? 0.0 : runtime.cacheStats().hitRate();
                });
        metrics.gauge(
                "encoderCacheBytes",
                () -> {
                    EmbSumRuntime runtime = holder.peek();
                    return runtime == null ? 0L : runtime.cacheStats().bytes();
                });
    }

    @Override
    List<TimedEmbedding> run(List<RefreshRequest> batch, EmbSumRuntime runtime) throws Exception {
        SessionGrouper grouper = new SessionGrouper(runtime.contract());
        List<List<Session>> users = new ArrayList<>(batch.size());
        for (RefreshRequest r : batch) {
            users.add(
                    grouper.sessions(
                            HistoryStates.toHistory(
                                    Math.max(1, r.getEntries().size()),
                                    r.getEntries(),
                                    r.getNextSeq(),
                                    r.getHistoryVersion())));
        }
        List<UserRefresh> refreshed = runtime.refresh(users);
        Instant now = Instant.now();
        List<TimedEmbedding> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            RefreshRequest request = batch.get(i);
            out.add(
                    new TimedEmbedding(
                            toEmbedding(request, refreshed.get(i), runtime, now),
                            request.getFirstPendingAtMs(),
                            request.getBackfill()));
        }
        return out;
    }

    static UserEmbedding toEmbedding(
            RefreshRequest request,
            UserRefresh refresh,
            EmbSumRuntime runtime,
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
