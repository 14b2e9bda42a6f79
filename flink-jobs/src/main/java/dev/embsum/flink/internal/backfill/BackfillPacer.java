package dev.embsum.flink.internal.backfill;

import dev.embsum.avro.state.PendingBackfill;
import dev.embsum.avro.state.RefreshRequest;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by user_id, right after user-history (same partitioning, so chained, no shuffle): spaces
 * out the backfill requests a model release causes, at most {@code usersPerSecond} per subtask, so
 * re-embedding every user does not crowd out the refreshes for new clicks. Normal refresh requests
 * pass straight through.
 *
 * <ul>
 *   <li>A backfill request gets the next free slot of this subtask, {@code max(now, next slot)},
 *       and the slot after it is 1 s / {@code usersPerSecond} later; a processing-time timer at the
 *       slot sends it. Slots are spaced in microseconds, so rates above 1,000/s work (several users
 *       share a millisecond).
 *   <li>A user with a pending backfill keeps one slot: a newer release's backfill replaces the
 *       request (its history is at least as new, its release newer), and a refresh for new clicks
 *       cancels it: that refresh carries the newest history and was made after the release (its
 *       {@code after_release} says so), so the user reaches the new model with it, sooner.
 *   <li>Across a restore: the pending requests and their timers are in state, and so are this
 *       subtask's next free slot and its pending count (operator state). A restored timer whose
 *       slot passed while the job was down (more than {@value #MISSED_SLOT_MS} ms before it fires)
 *       is not sent at once but queued again at the next free slot, so a restart does not release
 *       the backlog in a burst.
 * </ul>
 *
 * <p>State: {@code pending-backfill} ValueState&lt;PendingBackfill&gt; (request + slot; no TTL:
 * every entry is cleared when its timer fires), operator ListStates {@code next-slot-micros} and
 * {@code pending-count}.
 *
 * <p>Metrics: {@code backfillPending} (gauge: backfill requests waiting for their slot; its sum
 * over subtasks is 0 once the backfill is done), {@code backfillEmitted} (counter), {@code
 * backfillSuperseded} (counter: pending backfills cancelled by a refresh for new clicks). The
 * pending count is checkpointed, so it is exact after a restore. A rescale redistributes the
 * pending requests by key group but the counts as list entries: the sum over subtasks stays exact,
 * a single subtask's value does not (it can read negative, and stay off by that much).
 */
public final class BackfillPacer
        extends KeyedProcessFunction<String, RefreshRequest, RefreshRequest>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    /**
     * A restored slot this late was missed while the job was down (not just due at the restart).
     */
    static final long MISSED_SLOT_MS = 1_000;

    private final int usersPerSecond;
    private final long slotMicros;
    private transient ValueState<PendingBackfill> pending;
    private transient ListState<Long> nextSlotState;
    private transient ListState<Long> pendingCountState;
    private transient long nextSlotMicros;
    private transient volatile long pendingCount; // written by the task thread only
    private transient boolean restored;
    private transient long startedAtMs;
    private transient Counter emitted;
    private transient Counter superseded;

    /**
     * @param usersPerSecond backfill requests this subtask sends per second; 0 = the backfill is
     *     off: user-history sends none, and any restored from a savepoint of a job that had it on
     *     go out at their slots, a missed slot at once
     */
    public BackfillPacer(int usersPerSecond) {
        if (usersPerSecond < 0) {
            throw new IllegalArgumentException(
                    "usersPerSecond must be >= 0, got " + usersPerSecond);
        }
        this.usersPerSecond = usersPerSecond;
        this.slotMicros = usersPerSecond == 0 ? 0 : Math.max(1, 1_000_000L / usersPerSecond);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        nextSlotState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("next-slot-micros", Types.LONG));
        pendingCountState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("pending-count", Types.LONG));
        nextSlotMicros = 0;
        for (Long slot : nextSlotState.get()) {
            nextSlotMicros = Math.max(nextSlotMicros, slot); // several after a rescale: the latest
        }
        long count = 0;
        for (Long c : pendingCountState.get()) {
            count += c;
        }
        pendingCount = count;
        restored = context.isRestored();
        startedAtMs = Long.MIN_VALUE; // the first call's processing time (no timer service before)
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        nextSlotState.update(List.of(nextSlotMicros));
        pendingCountState.update(List.of(pendingCount));
    }

    @Override
    public void open(OpenContext openContext) {
        pending =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "pending-backfill",
                                        TypeInformation.of(PendingBackfill.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        emitted = metrics.counter("backfillEmitted");
        superseded = metrics.counter("backfillSuperseded");
        metrics.gauge("backfillPending", () -> pendingCount);
    }

    @Override
    public void processElement(RefreshRequest request, Context ctx, Collector<RefreshRequest> out)
            throws Exception {
        noteStart(ctx.timerService().currentProcessingTime());
        PendingBackfill waiting = pending.value();
        if (!request.getBackfill()) {
            if (waiting != null) {
                ctx.timerService().deleteProcessingTimeTimer(waiting.getDueAtMs());
                pending.clear();
                pendingCount--;
                superseded.inc();
            }
            out.collect(request);
            return;
        }
        if (waiting != null) {
            waiting.setRequest(request); // keeps its slot
            pending.update(waiting);
            return;
        }
        long due = takeSlot(ctx.timerService().currentProcessingTime());
        ctx.timerService().registerProcessingTimeTimer(due);
        pending.update(PendingBackfill.newBuilder().setRequest(request).setDueAtMs(due).build());
        pendingCount++;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RefreshRequest> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        noteStart(now);
        PendingBackfill waiting = pending.value();
        if (waiting == null || waiting.getDueAtMs() != timestamp) {
            return; // cancelled (its timer is deleted then; this is a safety net)
        }
        if (restored && timestamp < startedAtMs && now - timestamp > MISSED_SLOT_MS) {
            // a restored slot that passed while the job was down: queue it again instead of
            // sending the whole backlog at once after the restore (once: the new slot is later
            // than this instance's start)
            long due = takeSlot(now);
            ctx.timerService().registerProcessingTimeTimer(due);
            waiting.setDueAtMs(due);
            pending.update(waiting);
            return;
        }
        pending.clear();
        pendingCount--;
        emitted.inc();
        out.collect(waiting.getRequest());
    }

    /**
     * Remembers the processing time of this instance's first call: every timer it registers is due
     * at or after it, so an earlier one was restored.
     */
    private void noteStart(long now) {
        if (startedAtMs == Long.MIN_VALUE) {
            startedAtMs = now;
        }
    }

    /** The next free slot (processing-time millis), and moves the one after it on. */
    private long takeSlot(long nowMs) {
        long slot = Math.max(nowMs * 1000, nextSlotMicros);
        nextSlotMicros = slot + slotMicros;
        return slot / 1000;
    }

    @Override
    public String toString() {
        return "BackfillPacer(" + usersPerSecond + " users/s)";
    }
}
