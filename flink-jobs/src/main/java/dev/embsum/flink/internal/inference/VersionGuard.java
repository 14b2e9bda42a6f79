package dev.embsum.flink.internal.inference;

import dev.embsum.avro.UserEmbedding;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
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
 * <p>State: {@code emitted-version} ValueState&lt;Long&gt;, with the history's TTL.
 */
public final class VersionGuard extends KeyedProcessFunction<String, UserEmbedding, UserEmbedding> {

    private static final long serialVersionUID = 1L;

    private final Duration ttl;
    private transient ValueState<Long> emitted;
    private transient Counter stale;

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
        stale = getRuntimeContext().getMetricGroup().counter("embeddingsStaleDropped");
    }

    @Override
    public void processElement(UserEmbedding embedding, Context ctx, Collector<UserEmbedding> out) throws Exception {
        Long last = emitted.value();
        if (last != null && embedding.getHistoryVersion() < last) {
            stale.inc();
            return;
        }
        emitted.update(embedding.getHistoryVersion());
        out.collect(embedding);
    }
}
