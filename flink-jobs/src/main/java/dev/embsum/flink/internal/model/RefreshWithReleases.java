package dev.embsum.flink.internal.model;

import dev.embsum.avro.state.RefreshOrRelease;
import dev.embsum.avro.state.RefreshRequest;
import dev.embsum.avro.state.VerifiedRelease;
import dev.embsum.flink.internal.States;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Puts the model-release broadcast into the refresh-request stream, in arrival order, just upstream
 * of refresh-users (connected by a forward edge, so each refresh-users subtask receives every
 * release exactly once, between the requests it arrived between). The async operator swaps models
 * at that point: requests before the release run on the old model, requests after it on the new
 * one.
 *
 * <p>A request made after a release ({@code after_release}: user-history had received it) must not
 * run on the model before it, but the release travels to user-history and to this operator on
 * different channels and may arrive here later. Such a request is held until the release has passed
 * here ({@link Releases#covers}), then sent right behind it, in arrival order. This matters for the
 * backfill (whose requests exist to move users to the new model) and makes "the next refresh after
 * a release runs on the new model" exact for clicks too. Normally nothing waits: the window is the
 * difference between the two channels' delays.
 *
 * <p>State: broadcast state {@link Releases#broadcastState()} (the newest release) and operator
 * ListState {@code held-requests}. With aligned checkpoints the list is empty at every checkpoint
 * (a request is made after its release, and the release reaches this operator before the barrier
 * that follows it), but it is checkpointed all the same, so it holds under any checkpointing mode;
 * a restored request is sent at the first call that finds its release passed.
 *
 * <p>Metrics: {@code refreshesHeldForRelease} (counter: requests that had to wait).
 */
public final class RefreshWithReleases
        extends BroadcastProcessFunction<RefreshRequest, VerifiedRelease, RefreshOrRelease>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;

    private final MapStateDescriptor<String, VerifiedRelease> releaseState =
            Releases.broadcastState();
    private transient ListState<RefreshRequest> heldState;
    private transient List<RefreshRequest> held;
    private transient Counter heldCount;

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        heldState = States.operatorList(context, "held-requests", RefreshRequest.class);
        held = new ArrayList<>();
        heldState.get().forEach(held::add);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        heldState.update(held);
    }

    @Override
    public void open(OpenContext openContext) {
        heldCount = getRuntimeContext().getMetricGroup().counter("refreshesHeldForRelease");
    }

    @Override
    public void processElement(
            RefreshRequest request, ReadOnlyContext ctx, Collector<RefreshOrRelease> out)
            throws Exception {
        VerifiedRelease current = ctx.getBroadcastState(releaseState).get(Releases.CURRENT);
        if (!held.isEmpty()) {
            sendCovered(
                    current, out); // restored requests whose release passed before the checkpoint
        }
        if (Releases.covers(current, request.getAfterRelease())) {
            out.collect(RefreshOrRelease.newBuilder().setRequest(request).setRelease(null).build());
        } else {
            held.add(request);
            heldCount.inc();
        }
    }

    @Override
    public void processBroadcastElement(
            VerifiedRelease release, Context ctx, Collector<RefreshOrRelease> out)
            throws Exception {
        ctx.getBroadcastState(releaseState).put(Releases.CURRENT, release);
        out.collect(RefreshOrRelease.newBuilder().setRequest(null).setRelease(release).build());
        sendCovered(release, out);
    }

    /** Sends, in arrival order, the held requests whose release {@code current} covers. */
    private void sendCovered(VerifiedRelease current, Collector<RefreshOrRelease> out) {
        for (Iterator<RefreshRequest> it = held.iterator(); it.hasNext(); ) {
            RefreshRequest request = it.next();
            if (Releases.covers(current, request.getAfterRelease())) {
                out.collect(
                        RefreshOrRelease.newBuilder().setRequest(request).setRelease(null).build());
                it.remove();
            }
        }
    }
}
