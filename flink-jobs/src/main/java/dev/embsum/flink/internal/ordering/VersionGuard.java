package dev.embsum.flink.internal.ordering;

import dev.embsum.avro.UserEmbedding;
import dev.embsum.avro.state.EmittedModel;
import dev.embsum.avro.state.UsersOnModel;
import dev.embsum.flink.internal.States;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user_id, after the unordered async inference: never emits a history_version lower than
 * one already emitted for the user (docs/design.md 6.4). Two refreshes of one user can be in flight
 * in different micro-batches and finish in either order; the older result is dropped and counted.
 *
 * <p>An equal version passes: it is a replay after a restore (idempotent for the compacted topic)
 * or a re-embedding of the same history by a new model version (the backfill after a release). A
 * backfill result equal to what the user already has (same history_version, same model_version:
 * e.g. the release was refused by the inference subtask) is dropped and counted.
 *
 * <p>At emit it measures the refresh latency: now − the processing time the oldest click of the
 * refresh reached the history operator ({@link TimedEmbedding#firstPendingAtMs}), i.e. click →
 * output including debounce, queueing and inference. Dropped (stale) results and backfills (no
 * click) are not measured. Both times are wall clocks of the TaskManagers running the two
 * operators.
 *
 * <p><b>Users per model.</b> It keeps the model_version of each user's newest embedding and counts
 * this subtask's users per model_version (gauge {@code usersOnModel} in the group {@code
 * model_version=<version>}): after a release the new version's count rises as users are re-embedded
 * (on their next click, or by the backfill) and the old one's falls to 0. A user is forgotten (and
 * uncounted) {@code history.ttl} after their newest embedding for new clicks, by a processing-time
 * timer, as their history expires; a backfill does not extend that, as it does not extend the
 * history's TTL. The counts are operator state, consistent with the keyed state in every
 * checkpoint, so they survive a restore exactly. A rescale redistributes the keys by key group but
 * the counts by list entry: the sum over subtasks stays exact, a single subtask's counts do not
 * (one can even go negative). Users emitted before this state existed (a savepoint of an older
 * version) are counted from their next embedding on.
 *
 * <p>State: {@code emitted-version} ValueState&lt;Long&gt; (TTL {@code history.ttl}), {@code
 * emitted-model} ValueState&lt;EmittedModel&gt; (no TTL: the timer clears it), operator ListState
 * {@code users-on-model}.
 *
 * <p>Metrics: {@code embeddingsEmitted} (counter: every embedding sent on, refreshes and
 * backfills), {@code embeddingsStaleDropped} (counter), {@code backfillUnchangedDropped} (counter),
 * {@code refreshLatencyMs} (histogram over the last {@value #LATENCY_WINDOW} emitted refreshes of
 * this subtask), {@code refreshLatencyLastMs} (gauge, the latest value), {@code
 * model_version.<version>.usersOnModel} (gauge per model_version seen).
 */
public final class VersionGuard extends KeyedProcessFunction<String, TimedEmbedding, UserEmbedding>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    static final int LATENCY_WINDOW = 4096;

    /** Metric group key of the per-model gauges (a label on Prometheus). */
    public static final String MODEL_VERSION_GROUP = "model_version";

    public static final String USERS_ON_MODEL = "usersOnModel";

    private final Duration ttl;
    private transient ValueState<Long> emitted;
    private transient ValueState<EmittedModel> model;
    private transient ListState<UsersOnModel> countState;
    private transient Map<String, Long> usersOnModel;
    private transient MetricGroup metrics;
    private transient Map<String, Boolean> gauges;
    private transient Counter emittedEmbeddings;
    private transient Counter stale;
    private transient Counter unchanged;
    private transient Histogram latency;
    private transient volatile long lastLatencyMs;

    public VersionGuard(Duration ttl) {
        this.ttl = ttl;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        countState = States.operatorList(context, "users-on-model", UsersOnModel.class);
        usersOnModel = new ConcurrentHashMap<>(); // read by the metric reporter's thread
        for (UsersOnModel c : countState.get()) {
            usersOnModel.merge(
                    c.getModelVersion(), c.getUsers(), Long::sum); // several after a rescale
        }
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        List<UsersOnModel> counts = new ArrayList<>();
        usersOnModel.forEach(
                (version, users) -> {
                    if (users != 0) {
                        counts.add(
                                UsersOnModel.newBuilder()
                                        .setModelVersion(version)
                                        .setUsers(users)
                                        .build());
                    }
                });
        countState.update(counts);
    }

    @Override
    public void open(OpenContext openContext) {
        emitted =
                getRuntimeContext()
                        .getState(States.expiringValue("emitted-version", Types.LONG, ttl));
        model =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "emitted-model", TypeInformation.of(EmittedModel.class)));
        metrics = getRuntimeContext().getMetricGroup();
        emittedEmbeddings = metrics.counter("embeddingsEmitted");
        stale = metrics.counter("embeddingsStaleDropped");
        unchanged = metrics.counter("backfillUnchangedDropped");
        latency =
                metrics.histogram(
                        "refreshLatencyMs", new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        metrics.gauge("refreshLatencyLastMs", () -> lastLatencyMs);
        gauges = new ConcurrentHashMap<>();
        usersOnModel.keySet().forEach(this::registerGauge);
    }

    @Override
    public void processElement(TimedEmbedding timed, Context ctx, Collector<UserEmbedding> out)
            throws Exception {
        UserEmbedding embedding = timed.embedding;
        Long last = emitted.value();
        if (last != null && embedding.getHistoryVersion() < last) {
            stale.inc();
            return;
        }
        EmittedModel user = model.value();
        String version = embedding.getModelVersion();
        if (timed.backfill
                && last != null
                && embedding.getHistoryVersion() == last
                && user != null
                && user.getModelVersion().equals(version)) {
            unchanged.inc();
            return;
        }
        emitted.update(embedding.getHistoryVersion());
        long now = ctx.timerService().currentProcessingTime();
        if (user == null) {
            user =
                    EmittedModel.newBuilder()
                            .setModelVersion(version)
                            .setExpiresAtMs(now + ttl.toMillis())
                            .build();
            ctx.timerService().registerProcessingTimeTimer(user.getExpiresAtMs());
            count(version, 1);
            model.update(user);
        } else {
            boolean changed = false;
            if (!user.getModelVersion().equals(version)) {
                count(user.getModelVersion(), -1);
                count(version, 1);
                user.setModelVersion(version);
                changed = true;
            }
            if (!timed.backfill && user.getExpiresAtMs() != now + ttl.toMillis()) {
                ctx.timerService().deleteProcessingTimeTimer(user.getExpiresAtMs());
                user.setExpiresAtMs(now + ttl.toMillis());
                ctx.timerService().registerProcessingTimeTimer(user.getExpiresAtMs());
                changed = true;
            }
            if (changed) {
                model.update(user);
            }
        }
        out.collect(embedding);
        emittedEmbeddings.inc();
        if (!timed.backfill) {
            long latencyMs = Math.max(0, now - timed.firstPendingAtMs);
            latency.update(latencyMs);
            lastLatencyMs = latencyMs;
        }
    }

    /** history.ttl after the user's newest refresh for new clicks: forget (and uncount) them. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<UserEmbedding> out)
            throws Exception {
        EmittedModel user = model.value();
        if (user != null && user.getExpiresAtMs() == timestamp) {
            count(user.getModelVersion(), -1);
            model.clear();
        }
    }

    private void count(String version, long delta) {
        usersOnModel.merge(version, delta, Long::sum);
        registerGauge(version);
    }

    private void registerGauge(String version) {
        if (gauges.putIfAbsent(version, Boolean.TRUE) == null) {
            metrics.addGroup(MODEL_VERSION_GROUP, version)
                    .gauge(USERS_ON_MODEL, () -> usersOnModel.getOrDefault(version, 0L));
        }
    }
}
