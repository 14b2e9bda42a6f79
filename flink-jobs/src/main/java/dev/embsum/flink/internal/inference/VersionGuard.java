package dev.embsum.flink.internal.inference;

import dev.embsum.avro.UserEmbedding;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user_id, after the unordered async inference: never emits a history_version lower
 * than one already emitted for the user (DESIGN 6.4). Two refreshes of one user can be in
 * flight in different micro-batches and finish in either order; the older result is dropped
 * and counted.
 *
 * <p>An equal version passes: it is a replay after a restore (idempotent for the compacted
 * topic) or, later, a re-embedding of the same history by a new model version.
 *
 * <p>At emit it measures the refresh latency: now − the processing time the oldest click of the
 * refresh reached the history operator ({@link TimedEmbedding#firstPendingAtMs}), i.e. click →
 * output including debounce, queueing and inference. Dropped (stale) results are not measured.
 * Both times are wall clocks of the TaskManagers running the two operators.
 *
 * <p>State: {@code emitted-version} ValueState&lt;Long&gt;, with the history's TTL.
 *
 * <p>Metrics: {@code embeddingsStaleDropped} (counter), {@code refreshLatencyMs} (histogram
 * over the last {@value #LATENCY_WINDOW} emitted refreshes of this subtask),
 * {@code refreshLatencyLastMs} (gauge, the latest value).
 */
public final class VersionGuard extends KeyedProcessFunction<String, TimedEmbedding, UserEmbedding> {

    private static final long serialVersionUID = 1L;
    static final int LATENCY_WINDOW = 4096;

    private final Duration ttl;
    private transient ValueState<Long> emitted;
    private transient Counter stale;
    private transient Histogram latency;
    private transient volatile long lastLatencyMs;

    public VersionGuard(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Long> descriptor = new ValueStateDescriptor<>("emitted-version", Types.LONG);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        emitted = getRuntimeContext().getState(descriptor);
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        stale = metrics.counter("embeddingsStaleDropped");
        latency = metrics.histogram("refreshLatencyMs", new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        metrics.gauge("refreshLatencyLastMs", () -> lastLatencyMs);
    }

    @Override
    public void processElement(TimedEmbedding timed, Context ctx, Collector<UserEmbedding> out) throws Exception {
        UserEmbedding embedding = timed.embedding;
        Long last = emitted.value();
        if (last != null && embedding.getHistoryVersion() < last) {
            stale.inc();
            return;
        }
        emitted.update(embedding.getHistoryVersion());
        out.collect(embedding);
        long latencyMs = Math.max(0, ctx.timerService().currentProcessingTime() - timed.firstPendingAtMs);
        latency.update(latencyMs);
        lastLatencyMs = latencyMs;
    }
}
