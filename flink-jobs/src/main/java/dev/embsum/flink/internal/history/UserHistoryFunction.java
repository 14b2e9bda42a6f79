package dev.embsum.flink.internal.history;

import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.ReleaseRef;
import dev.embsum.avro.state.TokenizedClick;
import dev.embsum.avro.state.UserHistoryState;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.States;
import dev.embsum.flink.internal.TokenBytes;
import dev.embsum.flink.internal.model.Releases;
import dev.embsum.runtime.text.EngagementHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by user_id: the user's engagement history and the debounced refresh request; the second,
 * broadcast input is the model releases (for the backfill and for tagging requests).
 *
 * <p>State: one {@code history} ValueState&lt;UserHistoryState&gt; (entries, next_seq,
 * history_version, recent event ids, pending-refresh bookkeeping), with a TTL of {@code
 * history.ttl} refreshed on every write: a user idle that long starts over. Broadcast state {@link
 * Releases#broadcastState()}: the newest release received.
 *
 * <p>Per click: a redelivered event_id (among the newest H accepted) is dropped; otherwise the
 * engagement is added by {@link EngagementHistory#add} (dedupe by item, window of H, seq and
 * history_version), and the refresh timer is (re)set to {@link Debounce#dueAt}. When it fires, one
 * {@link RefreshRequest} carries the whole current history.
 *
 * <p>Timers are processing time: the debounce bounds refresh latency, a wall-clock notion. Each
 * pending user also has an event-time timer at {@code Long.MAX_VALUE}: it fires only on the final
 * watermark, i.e. at the end of a bounded input or on {@code stop --drain}, so a drained job
 * flushes every pending refresh instead of dropping it.
 *
 * <p>Model releases: every request carries {@code after_release}, the newest release received here,
 * so releases-to-refresh runs it on that model even when the release reaches this operator before
 * it reaches releases-to-refresh. With the backfill on, a release (other than a repeat of the one
 * received last) also emits one backfill request per user in this subtask's state: the user's
 * current history, as a normal refresh would send it, with {@code backfill = true}; the downstream
 * {@code BackfillPacer} spaces them out. Users whose history expired (TTL: the state is not
 * returned) are skipped, and so are users with a pending refresh: that refresh follows the release
 * and carries it. All of this happens in one call ({@code applyToKeyedState}), so this subtask's
 * clicks and checkpoints wait while it reads every history once.
 *
 * <p>Metrics: {@code clicksDuplicate} (counter), {@code backfillScheduled} (counter: backfill
 * requests emitted) and {@code refreshesPending} (gauge: users of this subtask whose refresh timer
 * is pending). The gauge is a plain count kept in O(1) (+1 when a user's first unrefreshed click
 * arrives, −1 when the refresh is sent), not state: after a restore it starts at 0 and under-counts
 * the restored pending users until their timers fire, i.e. for at most {@code refresh.max-delay}
 * (never below 0).
 */
public final class UserHistoryFunction
        extends KeyedBroadcastProcessFunction<
                String, TokenizedClick, VerifiedRelease, RefreshRequest> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(UserHistoryFunction.class);
    private static final long DRAIN_TIMER = Long.MAX_VALUE;

    private final int historySize;
    private final Debounce debounce;
    private final Duration ttl;
    private final boolean backfill;

    /**
     * Per function instance (not static): descriptors hold serializers, which are not thread-safe.
     */
    private final MapStateDescriptor<String, VerifiedRelease> releaseState =
            Releases.broadcastState();

    private transient ValueStateDescriptor<UserHistoryState> historyDescriptor;
    private transient ValueState<UserHistoryState> history;
    private transient Counter duplicates;
    private transient Counter backfillScheduled;
    private transient volatile long pendingUsers; // written by the task thread only

    /**
     * @param backfill whether a model release re-embeds every user in state (backfill requests,
     *     paced downstream); without it users move to a new model on their next refresh
     */
    public UserHistoryFunction(int historySize, Debounce debounce, Duration ttl, boolean backfill) {
        this.historySize = historySize;
        this.debounce = debounce;
        this.ttl = ttl;
        this.backfill = backfill;
    }

    @Override
    public void open(OpenContext openContext) {
        historyDescriptor =
                States.expiringValue("history", TypeInformation.of(UserHistoryState.class), ttl);
        history = getRuntimeContext().getState(historyDescriptor);
        duplicates = getRuntimeContext().getMetricGroup().counter("clicksDuplicate");
        backfillScheduled = getRuntimeContext().getMetricGroup().counter("backfillScheduled");
        getRuntimeContext().getMetricGroup().gauge("refreshesPending", () -> pendingUsers);
    }

    @Override
    public void processElement(
            TokenizedClick click, ReadOnlyContext ctx, Collector<RefreshRequest> out)
            throws Exception {
        UserHistoryState state = history.value();
        if (state == null) {
            state =
                    UserHistoryState.newBuilder()
                            .setEntries(new ArrayList<>())
                            .setNextSeq(0)
                            .setHistoryVersion(0)
                            .build();
        }
        if (state.getRecentEventIds().contains(click.getEventId())) {
            duplicates.inc();
            return;
        }
        EngagementHistory updated =
                HistoryStates.toHistory(
                                historySize,
                                state.getEntries(),
                                state.getNextSeq(),
                                state.getHistoryVersion())
                        .add(
                                click.getItemId(),
                                click.getEventTimeMs(),
                                TokenBytes.unpack(click.getTokens()));
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
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RefreshRequest> out)
            throws Exception {
        UserHistoryState state = history.value();
        if (state == null || state.getPendingSinceMs() == null) {
            return; // expired by TTL, or already flushed by the other timer
        }
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            ctx.timerService().deleteEventTimeTimer(DRAIN_TIMER);
        } else {
            ctx.timerService().deleteProcessingTimeTimer(state.getRefreshTimerMs());
        }
        ReleaseRef after = Releases.ref(ctx.getBroadcastState(releaseState).get(Releases.CURRENT));
        out.collect(request(ctx.getCurrentKey(), state, state.getPendingSinceMs(), after, false));
        state.setPendingSinceMs(null);
        state.setRefreshTimerMs(null);
        history.update(state);
        pendingUsers = Math.max(0, pendingUsers - 1); // restored pending users were never counted
    }

    /**
     * Remembers the newest release (it tags every later request) and, with the backfill on, emits a
     * backfill request for every user in this subtask's state. A repeat of the release received
     * last (same bundle: a replay) changes nothing, so no release is backfilled twice.
     */
    @Override
    public void processBroadcastElement(
            VerifiedRelease release, Context ctx, Collector<RefreshRequest> out) throws Exception {
        BroadcastState<String, VerifiedRelease> releases = ctx.getBroadcastState(releaseState);
        if (Releases.sameBundle(releases.get(Releases.CURRENT), release)) {
            return;
        }
        releases.put(Releases.CURRENT, release);
        if (!backfill) {
            return;
        }
        long now = ctx.currentProcessingTime();
        ReleaseRef after = Releases.ref(release);
        long[] scheduledAndLeft = new long[2];
        ctx.applyToKeyedState(
                historyDescriptor,
                (user, state) -> {
                    UserHistoryState h =
                            state.value(); // null once expired (the descriptor's TTL applies
                    // here too)
                    if (h == null || h.getEntries().isEmpty()) {
                        return;
                    }
                    if (h.getPendingSinceMs() != null) {
                        scheduledAndLeft[
                                1]++; // its pending refresh comes after this release, tagged with
                        // it
                        return;
                    }
                    out.collect(request(user, h, now, after, true));
                    backfillScheduled.inc();
                    scheduledAndLeft[0]++;
                });
        LOG.info(
                "Model release {}: backfill of {} users scheduled on this subtask ({} more have a refresh pending,"
                        + " which will run on it)",
                Releases.describe(release),
                scheduledAndLeft[0],
                scheduledAndLeft[1]);
    }

    /** The user's whole current history as a request (a normal refresh, or a backfill). */
    private static RefreshRequest request(
            String user,
            UserHistoryState state,
            long firstPendingAtMs,
            ReleaseRef after,
            boolean backfill) {
        return RefreshRequest.newBuilder()
                .setUserId(user)
                .setHistoryVersion(state.getHistoryVersion())
                .setEntries(new ArrayList<>(state.getEntries()))
                .setNextSeq(state.getNextSeq())
                .setLastEventTimeMs(
                        state.getEntries().get(state.getEntries().size() - 1).getEventTimeMs())
                .setFirstPendingAtMs(firstPendingAtMs)
                .setAfterRelease(after)
                .setBackfill(backfill)
                .build();
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
