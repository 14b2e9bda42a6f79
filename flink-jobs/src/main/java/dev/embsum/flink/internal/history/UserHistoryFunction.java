package dev.embsum.flink.internal.history;

import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.UserHistoryState;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.runtime.text.EngagementHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user_id: the user's engagement history and the debounced refresh request.
 *
 * <p>State: one {@code history} ValueState&lt;UserHistoryState&gt; (entries, next_seq,
 * history_version, recent event ids, pending-refresh bookkeeping), with a TTL of
 * {@code history.ttl} refreshed on every write: a user idle that long starts over.
 *
 * <p>Per click: a redelivered event_id (among the newest H accepted) is dropped; otherwise the
 * engagement is added by {@link EngagementHistory#add} (dedupe by item, window of H, seq and
 * history_version), and the refresh timer is (re)set to {@link Debounce#dueAt}. When it fires,
 * one {@link RefreshRequest} carries the whole current history.
 *
 * <p>Timers are processing time: the debounce bounds refresh latency, a wall-clock notion. Each
 * pending user also has an event-time timer at {@code Long.MAX_VALUE}: it fires only on the final
 * watermark, i.e. at the end of a bounded input or on {@code stop --drain}, so a drained job
 * flushes every pending refresh instead of dropping it.
 *
 * <p>Metrics: {@code clicksDuplicate} (counter) and {@code refreshesPending} (gauge: users of
 * this subtask whose refresh timer is pending). The gauge is a plain count kept in O(1) (+1 when
 * a user's first unrefreshed click arrives, −1 when the refresh is sent), not state: after a
 * restore it starts at 0 and under-counts the restored pending users until their timers fire,
 * i.e. for at most {@code refresh.max-delay} (never below 0).
 */
public final class UserHistoryFunction extends KeyedProcessFunction<String, TokenizedClick, RefreshRequest> {

    private static final long serialVersionUID = 1L;
    private static final long DRAIN_TIMER = Long.MAX_VALUE;

    private final int historySize;
    private final Debounce debounce;
    private final Duration ttl;
    private transient ValueState<UserHistoryState> history;
    private transient Counter duplicates;
    private transient volatile long pendingUsers; // written by the task thread only

    public UserHistoryFunction(int historySize, Debounce debounce, Duration ttl) {
        this.historySize = historySize;
        this.debounce = debounce;
        this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<UserHistoryState> descriptor =
                new ValueStateDescriptor<>("history", TypeInformation.of(UserHistoryState.class));
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        history = getRuntimeContext().getState(descriptor);
        duplicates = getRuntimeContext().getMetricGroup().counter("clicksDuplicate");
        getRuntimeContext().getMetricGroup().gauge("refreshesPending", () -> pendingUsers);
    }

    @Override
    public void processElement(TokenizedClick click, Context ctx, Collector<RefreshRequest> out) throws Exception {
        UserHistoryState state = history.value();
        if (state == null) {
            state = UserHistoryState.newBuilder()
                    .setEntries(new ArrayList<>()).setNextSeq(0).setHistoryVersion(0).build();
        }
        if (state.getRecentEventIds().contains(click.getEventId())) {
            duplicates.inc();
            return;
        }
        EngagementHistory updated = HistoryStates
                .toHistory(historySize, state.getEntries(), state.getNextSeq(), state.getHistoryVersion())
                .add(click.getItemId(), click.getEventTimeMs(), TokenBytes.unpack(click.getTokens()));
        state.setEntries(HistoryStates.toEntries(updated));
        state.setNextSeq(updated.nextSeq());
        state.setHistoryVersion(updated.historyVersion());
        state.setRecentEventIds(remember(state.getRecentEventIds(), click.getEventId()));

        long now = ctx.timerService().currentProcessingTime();
        long pendingSince;
        if (state.getPendingSinceMs() == null) {
            pendingSince = now;
            pendingUsers++;
        } else {
            pendingSince = state.getPendingSinceMs();
        }
        long due = debounce.dueAt(now, pendingSince);
        Long previous = state.getRefreshTimerMs();
        if (previous != null && previous != due) {
            ctx.timerService().deleteProcessingTimeTimer(previous);
        }
        ctx.timerService().registerProcessingTimeTimer(due);
        ctx.timerService().registerEventTimeTimer(DRAIN_TIMER);
        state.setPendingSinceMs(pendingSince);
        state.setRefreshTimerMs(due);
        history.update(state);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RefreshRequest> out) throws Exception {
        UserHistoryState state = history.value();
        if (state == null || state.getPendingSinceMs() == null) {
            return; // expired by TTL, or already flushed by the other timer
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            ctx.timerService().deleteEventTimeTimer(DRAIN_TIMER);
        } else {
            ctx.timerService().deleteProcessingTimeTimer(state.getRefreshTimerMs());
        }
        out.collect(RefreshRequest.newBuilder()
                .setUserId(ctx.getCurrentKey())
                .setHistoryVersion(state.getHistoryVersion())
                .setEntries(new ArrayList<>(state.getEntries()))
                .setNextSeq(state.getNextSeq())
                .setLastEventTimeMs(state.getEntries().get(state.getEntries().size() - 1).getEventTimeMs())
                .setFirstPendingAtMs(state.getPendingSinceMs())
                .build());
        state.setPendingSinceMs(null);
        state.setRefreshTimerMs(null);
        history.update(state);
        pendingUsers = Math.max(0, pendingUsers - 1); // restored pending users were never counted
    }

    /** The newest event ids, at most H of them: enough to catch a producer's retry. */
    private List<String> remember(List<String> recent, String eventId) {
        List<String> next = new ArrayList<>(Math.min(recent.size() + 1, historySize));
        int from = Math.max(0, recent.size() + 1 - historySize);
        next.addAll(recent.subList(from, recent.size()));
        next.add(eventId);
        return next;
    }
}
